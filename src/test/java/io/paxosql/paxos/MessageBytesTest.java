package io.paxosql.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Messages that carry chosen values are bounded in bytes, not only in number: a catch-up reply holds at
 * most maxBatchBytes of values (at least one), and a candidate whose Promise would carry more is told it
 * is behind, catches up in such replies, and only then gets the promise.
 */
class MessageBytesTest {
    private static final int MAX_BATCH_BYTES = 1024;
    /** 400 data bytes: a value of 16 + 416 = 432 bytes; two fit in 1024, three do not. */
    private static final int DATA = 400;

    /** Node 2 holding chosen values at instances 10..19 (count bound 10 would allow all of them). */
    private static PaxosNode holder() {
        List<ChosenValue> chosen = new ArrayList<>();
        for (long i = 10; i < 20; i++) {
            chosen.add(new ChosenValue(i, new Value(new Ballot(1, 1), List.of(new Entry.Data(i, new byte[DATA])))));
        }
        PaxosConfig cfg = new PaxosConfig(7, 2, new TreeSet<>(List.of(1, 2, 3)), 10, 10, 3, 3, 4, 2, 4,
                MAX_BATCH_BYTES, 100, 10);
        PaxosNode n = new PaxosNode(cfg, new PersistentState(Ballot.ZERO, List.of(), 10, chosen, List.of()));
        for (int i = 0; i < 13; i++) {
            n.tick(); // past the lease view a restarted acceptor honours
        }
        return n;
    }

    /** What node 2 sends to node 1 in answer to {@code m}, whether it waits for a record or not. */
    private static <T extends Message> T reply(PaxosNode n, Message m, Class<T> type) {
        n.step(m);
        List<Message> out = new ArrayList<>(n.ready().send());
        out.addAll(n.advance());
        List<T> answers = out.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, answers.size(), out.toString());
        return answers.get(0);
    }

    @Test
    void aCatchUpReplyStopsAtMaxBatchBytes() {
        PaxosNode n = holder();
        Message.Values v = reply(n, new Message.CatchUp(7, 1, 2, 10, 10), Message.Values.class);
        assertEquals(List.of(10L, 11L), v.values().stream().map(ChosenValue::instance).toList());
        assertTrue(v.values().stream().mapToInt(c -> c.value().size()).sum() <= MAX_BATCH_BYTES);
        Message.Values rest = reply(n, new Message.CatchUp(7, 1, 2, 18, 10), Message.Values.class);
        assertEquals(List.of(18L, 19L), rest.values().stream().map(ChosenValue::instance).toList());
    }

    @Test
    void aCandidateWhosePromiseWouldExceedMaxBatchBytesIsToldItIsBehind() {
        PaxosNode n = holder();
        Message.Nack k = reply(n, new Message.Prepare(7, 1, 2, new Ballot(5, 1), 10, 1), Message.Nack.class);
        assertEquals(Message.NackReason.CANDIDATE_BEHIND, k.reason());
        assertEquals(20, k.chosenBelow(), "the Nack says how far to catch up");
        Message.Promise p = reply(n, new Message.Prepare(7, 1, 2, new Ballot(5, 1), 18, 2), Message.Promise.class);
        assertEquals(List.of(18L, 19L), p.chosen().stream().map(ChosenValue::instance).toList());
    }
}
