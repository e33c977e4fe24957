package io.paxosql.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Catch-up answers and promises are cut into messages within maxBatchBytes of values, the cuts fall
 * between instances, and a candidate counts an acceptor only once its parts cover every unchosen instance.
 */
class MessagePartsTest {
    private static final Ballot B = new Ballot(5, 1);
    /** 400 data bytes: a value of 16 + 416 = 432 bytes; two fit in 1024, three do not. */
    private static final int DATA = 400;

    private static Value value(long i) {
        return new Value(new Ballot(1, 1), List.of(new Entry.Data(i, new byte[DATA])));
    }

    private static List<ChosenValue> chosen(long from, long until) {
        List<ChosenValue> out = new ArrayList<>();
        for (long i = from; i < until; i++) {
            out.add(new ChosenValue(i, value(i)));
        }
        return out;
    }

    @Test
    void aCatchUpAnswerComesInMessagesOfAtMostTheBudgetAndOnlyTheLastSaysSo() {
        List<Message.Values> parts = MessageParts.values(7, 2, 1, chosen(10, 15), 15, 1024);
        assertEquals(3, parts.size());
        assertEquals(List.of(List.of(10L, 11L), List.of(12L, 13L), List.of(14L)), parts.stream()
                .map(v -> v.values().stream().map(ChosenValue::instance).toList()).toList());
        assertEquals(List.of(false, false, true), parts.stream().map(Message.Values::last).toList());
        assertTrue(parts.stream().allMatch(v -> v.chosenBelow() == 15));
    }

    @Test
    void aValueAboveTheBudgetGoesAloneAndAnEmptyAnswerStillCarriesTheCommitPoint() {
        List<Message.Values> big = MessageParts.values(7, 2, 1, chosen(10, 12), 12, 100);
        assertEquals(List.of(1, 1), big.stream().map(v -> v.values().size()).toList());
        List<Message.Values> none = MessageParts.values(7, 2, 1, List.of(), 30, 100);
        assertEquals(1, none.size());
        assertTrue(none.get(0).last() && none.get(0).values().isEmpty() && none.get(0).chosenBelow() == 30);
    }

    @Test
    void aPromiseIsCutBetweenInstancesIntoPartsThatCoverFromThePrepareOn() {
        TreeMap<Long, AcceptedValue> accepted = new TreeMap<>();
        for (long i = 13; i < 17; i++) {
            accepted.put(i, new AcceptedValue(i, new Ballot(4, 2), value(i)));
        }
        accepted.put(9L, new AcceptedValue(9, new Ballot(4, 2), value(9))); // below the prepare: not listed
        Message.Prepare p = new Message.Prepare(7, 1, 2, B, 10, 3);
        List<Message.Promise> parts = MessageParts.promise(7, 2, p, accepted, chosen(10, 13), 1024);
        assertEquals(4, parts.size(), parts.toString());
        long expectFrom = 10;
        for (Message.Promise part : parts) {
            assertEquals(expectFrom, part.fromInstance(), "parts follow each other without a gap");
            assertTrue(part.accepted().size() + part.chosen().size() <= 2);
            assertEquals(B, part.ballot());
            assertEquals(3, part.seq());
            expectFrom = part.untilInstance();
        }
        assertEquals(Message.Promise.REST, expectFrom);
        assertEquals(List.of(10L, 11L, 12L), parts.stream().flatMap(x -> x.chosen().stream())
                .map(ChosenValue::instance).toList());
        assertEquals(List.of(13L, 14L, 15L, 16L), parts.stream().flatMap(x -> x.accepted().stream())
                .map(AcceptedValue::instance).toList());
        List<Message.Promise> empty = MessageParts.promise(7, 2, p, new TreeMap<>(), List.of(), 1024);
        assertEquals(1, empty.size());
        assertTrue(empty.get(0).isLastPart() && empty.get(0).fromInstance() == 10);
    }

    @Test
    void anAcceptorCountsOnlyOnceItsPartsCoverEveryUnchosenInstanceWhateverTheOrderOrCuts() {
        PromiseCoverage c = new PromiseCoverage();
        assertFalse(c.covers(2, 14, Message.Promise.REST, 10), "the last part alone leaves [10, 14) unreported");
        assertFalse(c.covers(2, 10, 12, 10), "still [12, 14) missing");
        assertFalse(c.covers(2, 10, 12, 10), "a duplicate changes nothing");
        assertTrue(c.covers(2, 11, 15, 10), "a part of another answer, cut elsewhere, closes the gap");
        assertFalse(c.covers(3, 12, Message.Promise.REST, 10));
        assertTrue(c.covers(3, 20, 21, 12), "once instances below 12 are chosen, [12, REST) is enough");
        c.clear();
        assertFalse(c.covers(3, 20, Message.Promise.REST, 12), "cleared with the campaign");
    }

    @Test
    void aCandidateBecomesLeaderOnlyWithEveryPartOfAMajority() {
        TreeSet<Integer> members = new TreeSet<>(List.of(1, 2, 3));
        PaxosNode n = PaxosNode.fresh(new PaxosConfig(7, 1, members, 10, 10, 3, 3, 4, 2, 4, 1024, 100, 10));
        n.setCampaignAllowed(true);
        Ballot ballot = null;
        for (int i = 0; i < 60 && ballot == null; i++) {
            n.tick();
            List<Message> out = new ArrayList<>(n.ready().send());
            out.addAll(n.advance());
            for (Message m : out) {
                if (m instanceof Message.PreVote v && v.to() != 1) {
                    n.step(new Message.PreVoteGrant(7, v.to(), 1, v.ballot()));
                }
            }
            out = new ArrayList<>(n.ready().send());
            out.addAll(n.advance());
            for (Message m : out) {
                if (m instanceof Message.Prepare p) {
                    ballot = p.ballot();
                }
            }
        }
        assertTrue(ballot != null, "node 1 never campaigned");
        assertEquals(PaxosRole.CANDIDATE, n.status().role());
        n.step(new Message.Promise(7, 2, 1, ballot, 1, 10, 12, List.of(), chosen(10, 12)));
        assertEquals(PaxosRole.CANDIDATE, n.status().role(), "one part of node 2's promise is not a promise");
        assertEquals(12, n.firstUnchosen(), "but the chosen values it carries are learned at once");
        n.step(new Message.Promise(7, 2, 1, ballot, 1, 12, Message.Promise.REST, List.of(), List.of()));
        assertEquals(PaxosRole.LEADER, n.status().role(), "with its own promise, node 2's two parts make a majority");
    }
}
