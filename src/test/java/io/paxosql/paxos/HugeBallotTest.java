package io.paxosql.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member (authenticated, but faulty or hostile) sends a Prepare, Accept or Nack with a round near the
 * top of the range. Before the bound, the acceptors promised it and every later candidate computed round+1,
 * which overflowed or exceeded what the master epoch can hold: the cluster could never elect again.
 */
@Timeout(30)
class HugeBallotTest {
    private static final TreeSet<Integer> MEMBERS = new TreeSet<>(List.of(1, 2, 3));
    private static final long FIRST = 1L << 32;
    private final TreeMap<Integer, PaxosNode> nodes = new TreeMap<>();
    private final ArrayDeque<Message> wire = new ArrayDeque<>();

    HugeBallotTest() {
        for (int id : MEMBERS) {
            PaxosNode n = PaxosNode.fresh(new PaxosConfig(7, id, MEMBERS, FIRST, 10, 3, 3, 4, 2, 4, 1024, 100, 10));
            n.setCampaignAllowed(true);
            nodes.put(id, n);
        }
    }

    @Test
    void hugePrepareIsIgnoredAndTheClusterStillElects() {
        int leader = electWithin(400);
        // Member 3 lies once the lease lapses: the hostile Prepare arrives when acceptors would promise.
        quiet(leader);
        for (int id : MEMBERS) {
            nodes.get(id).step(new Message.Prepare(7, 3, id, new Ballot(Long.MAX_VALUE - 1, 3), FIRST, 1));
            nodes.get(id).step(new Message.Accept(7, 3, id, new Ballot(Ballot.MAX_ROUND, 3), FIRST + 5,
                    Value.noop(new Ballot(Ballot.MAX_ROUND, 3)), FIRST));
            nodes.get(id).step(new Message.Nack(7, 3, id, new Ballot(1, id), new Ballot(1L << 40, 3),
                    Message.NackReason.LOWER_BALLOT, FIRST));
        }
        nodes.values().forEach(n -> n.setCampaignAllowed(true));
        int next = electWithin(400);
        Ballot b = nodes.get(next).status().ballot();
        assertTrue(b.round() < 100, "rounds stayed small: " + b);
        assertTrue(b.round() * 4096 + b.node() > 0, "the epoch derived from " + b + " fits");
        for (int id : MEMBERS) {
            assertTrue(nodes.get(id).refusedBallots() >= 3, "node " + id + " took a huge ballot");
        }
    }

    @Test
    void aRoundWithinTheStepIsTakenAndElectionsGoOnAboveIt() {
        int leader = electWithin(400);
        quiet(leader);
        long high = Ballot.MAX_ROUND_STEP - 10;
        for (int id : MEMBERS) {
            nodes.get(id).step(new Message.Prepare(7, 3, id, new Ballot(high, 3), FIRST, 1));
        }
        nodes.values().forEach(n -> n.setCampaignAllowed(true));
        int next = electWithin(400);
        assertTrue(nodes.get(next).status().ballot().round() > high, "the next leader outranks the raised promise");
        assertEquals(0, nodes.get(1).refusedBallots());
    }

    /** The leader resigns and nobody campaigns until every lease view lapsed: acceptors would promise now. */
    private void quiet(int leader) {
        nodes.values().forEach(n -> n.setCampaignAllowed(false));
        nodes.get(leader).resign();
        run(40, false);
    }

    /** Ticks and delivers until some node holds the lease; returns it. */
    private int electWithin(int ticks) {
        for (int t = 0; t < ticks; t++) {
            run(1, true);
            for (var e : nodes.entrySet()) {
                if (e.getValue().holdsLease()) {
                    return e.getKey();
                }
            }
        }
        throw new AssertionError("no leader within " + ticks + " ticks; statuses " + statuses());
    }

    private void run(int ticks, boolean tick) {
        for (int t = 0; t < ticks; t++) {
            nodes.values().forEach(PaxosNode::tick);
            for (int round = 0; round < 50; round++) {
                for (PaxosNode n : nodes.values()) {
                    while (n.hasReady()) {
                        Ready r = n.ready();
                        wire.addAll(r.send());
                        wire.addAll(n.advance()); // persistence is instant here
                    }
                }
                if (wire.isEmpty()) {
                    break;
                }
                while (!wire.isEmpty()) {
                    Message m = wire.poll();
                    PaxosNode to = nodes.get(m.to());
                    if (to != null) {
                        to.step(m);
                    }
                }
            }
        }
    }

    private String statuses() {
        StringBuilder sb = new StringBuilder();
        nodes.forEach((id, n) -> sb.append(id).append('=').append(n.status()).append(' '));
        return sb.toString();
    }
}
