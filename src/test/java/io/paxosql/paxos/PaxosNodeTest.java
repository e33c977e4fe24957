package io.paxosql.paxos;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PaxosNodeTest {

    private static final TreeSet<Integer> MEMBERS = new TreeSet<>(List.of(1, 2, 3));

    private static PaxosConfig cfg(int node) {
        return new PaxosConfig(7, node, MEMBERS, 1L << 32, 10, 3, 3, 4, 2, 4, 1024, 100, 10);
    }

    private static Message.Prepare prepare(long cluster, Ballot b) {
        return new Message.Prepare(cluster, 1, 2, b, 1L << 32, 1);
    }

    /** Drains the startup lease view a restarted or fresh acceptor honours. */
    private static PaxosNode fresh(int node) {
        PaxosNode n = PaxosNode.fresh(cfg(node));
        for (int i = 0; i < 13; i++) {
            n.tick();
        }
        return n;
    }

    @Test
    void promiseLeavesOnlyThroughAdvanceAfterItsRecord() {
        PaxosNode n = fresh(2);
        n.step(prepare(7, new Ballot(1, 1)));
        Ready r = n.ready();
        assertEquals(List.of(new Durable.Promised(new Ballot(1, 1))), r.persist());
        assertTrue(r.send().stream().noneMatch(m -> m instanceof Message.Promise), "promise must wait for persistence");
        List<Message> released = n.advance();
        assertEquals(1, released.size());
        assertInstanceOf(Message.Promise.class, released.get(0));
    }

    @Test
    void promiseMadeAfterReadyWaitsForTheNextReady() {
        PaxosNode n = fresh(2);
        n.step(prepare(7, new Ballot(1, 1)));
        Ready first = n.ready();
        n.step(new Message.Prepare(7, 3, 2, new Ballot(2, 3), 1L << 32, 1)); // lease view of 1 refuses it
        n.step(new Message.Accept(7, 1, 2, new Ballot(1, 1), 1L << 32, Value.noop(new Ballot(1, 1)), 1L << 32));
        assertEquals(1, first.persist().size());
        List<Message> released = n.advance();
        assertEquals(1, released.size(), "only the promise whose record was in the first Ready: " + released);
        Ready second = n.ready();
        assertInstanceOf(Durable.Accepted.class, second.persist().get(0));
        assertInstanceOf(Message.Accepted.class, n.advance().get(0));
    }

    @Test
    void campaignBallotIsDurableBeforeAnyPrepareLeaves() {
        PaxosNode n = fresh(1);
        n.setCampaignAllowed(true);
        Message.PreVote asked = null;
        for (int i = 0; i < 10 && asked == null; i++) {
            n.tick();
            if (n.hasReady()) {
                asked = (Message.PreVote) n.ready().send().get(0);
                n.advance();
            }
        }
        n.step(new Message.PreVoteGrant(7, 2, 1, asked.ballot()));
        assertEquals(PaxosRole.CANDIDATE, n.status().role());
        Ready r = n.ready();
        assertEquals(List.of(new Durable.Promised(n.status().ballot())), r.persist());
        assertTrue(r.send().isEmpty(), "prepares must wait for the ballot to be durable: " + r.send());
        List<Message> released = n.advance();
        assertEquals(2, released.size());
        assertTrue(released.stream().allMatch(m -> m instanceof Message.Prepare));
    }

    @Test
    void messageOfAnotherClusterIsIgnored() {
        PaxosNode n = fresh(2);
        n.step(prepare(8, new Ballot(1, 1)));
        assertFalse(n.hasReady());
    }

    @Test
    void restartedAcceptorRefusesEveryCandidateForAFullLeaseView() {
        PaxosNode n = new PaxosNode(cfg(2), PersistentState.empty(1L << 32));
        for (int i = 0; i < 12; i++) {
            n.tick();
        }
        n.step(prepare(7, new Ballot(5, 1)));
        Ready r = n.ready();
        n.advance();
        Message.Nack k = (Message.Nack) r.send().get(0);
        assertEquals(Message.NackReason.LEASE_HELD, k.reason());
        n.tick(); // tick 13 = lease 10 + margin 3
        n.step(prepare(7, new Ballot(5, 1)));
        n.ready();
        assertInstanceOf(Message.Promise.class, n.advance().get(0));
    }

    @Test
    void readyTwiceWithoutAdvanceIsRefused() {
        PaxosNode n = fresh(2);
        n.ready();
        IllegalStateException e = assertThrows(IllegalStateException.class, n::ready);
        assertTrue(e.getMessage().contains("advance()"), e.getMessage());
    }

    @Test
    void restoreRejectsAGapInChosenValues() {
        Value v = Value.noop(new Ballot(1, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PersistentState(
                Ballot.ZERO, List.of(), 10, List.of(new ChosenValue(10, v), new ChosenValue(12, v)), List.of()));
        assertTrue(e.getMessage().contains("11"), e.getMessage());
    }

    @Test
    void restoreRaisesThePromiseToTheHighestAcceptedBallot() {
        Value v = Value.noop(new Ballot(4, 3));
        PersistentState s = new PersistentState(new Ballot(2, 1),
                List.of(new AcceptedValue(20, new Ballot(4, 3), v)), 10, List.of(), List.of());
        PaxosNode n = new PaxosNode(cfg(2), s);
        for (int i = 0; i < 13; i++) {
            n.tick();
        }
        n.step(new Message.Prepare(7, 1, 2, new Ballot(3, 1), 10, 1));
        Message.Nack k = (Message.Nack) n.ready().send().get(0);
        assertEquals(new Ballot(4, 3), k.promised());
    }

    @Test
    void configRejectsALogStartWithoutHeadroom() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PaxosConfig.defaults(1, 1, MEMBERS, Long.MAX_VALUE - 3));
        assertTrue(e.getMessage().contains("firstInstance"), e.getMessage());
    }

    @Test
    void followerRefusesProposals() {
        ProposeResult r = fresh(2).propose(1, new byte[] {1});
        assertEquals(ProposeResult.Outcome.NOT_LEADER, r.outcome());
    }
}
