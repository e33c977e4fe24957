package io.paxosql.paxos;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-vote rule: a follower asks before it campaigns, a pre-vote changes nothing at the node asked,
 * and only a majority of yes starts the campaign. Issue 12: a master woken from a stall longer than its
 * lease campaigned at once; its own promise of the higher ballot then refused the live leader's renewals
 * and accepts, and the leader stepped down on that refusal.
 */
class PreVoteTest {

    private static final TreeSet<Integer> MEMBERS = new TreeSet<>(List.of(1, 2, 3));
    private static final long FIRST = 100;

    /** lease 10, margin 3, renew 3, election 4, retransmit 2. */
    private static PaxosConfig cfg(int node) {
        return new PaxosConfig(7, node, MEMBERS, FIRST, 10, 3, 3, 4, 2, 4, 1024, 100, 10);
    }

    /** A node whose startup lease view has lapsed. */
    private static PaxosNode lapsed(int node) {
        PaxosNode n = PaxosNode.fresh(cfg(node));
        for (int i = 0; i < 13; i++) {
            n.tick();
        }
        return n;
    }

    /** Runs one Ready and its advance; returns what it sends and what it persists. */
    private record Out(List<Message> sent, List<Durable> persisted) {
        <T extends Message> List<T> of(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (Message m : sent) {
                if (type.isInstance(m)) {
                    out.add(type.cast(m));
                }
            }
            return out;
        }
    }

    private static Out drain(PaxosNode n) {
        List<Message> sent = new ArrayList<>();
        List<Durable> persisted = new ArrayList<>();
        while (n.hasReady()) {
            Ready r = n.ready();
            sent.addAll(r.send());
            persisted.addAll(r.persist());
            sent.addAll(n.advance());
        }
        return new Out(sent, persisted);
    }

    /** Ticks an allowed node until it sends its pre-votes. */
    private static Ballot askToCampaign(PaxosNode n) {
        n.setCampaignAllowed(true);
        for (int i = 0; i < 20; i++) {
            n.tick();
            Out o = drain(n);
            if (!o.of(Message.PreVote.class).isEmpty()) {
                assertTrue(o.persisted().isEmpty(), "a pre-vote persists nothing: " + o.persisted());
                return o.of(Message.PreVote.class).get(0).ballot();
            }
        }
        throw new AssertionError("node " + n.self() + " never asked to campaign");
    }

    @Test
    void followerAsksBeforeItPromisesItsOwnBallot() {
        PaxosNode n = lapsed(1);
        Ballot b = askToCampaign(n);
        assertEquals(new Ballot(1, 1), b);
        assertEquals(PaxosRole.FOLLOWER, n.status().role());
        assertEquals(Ballot.ZERO, n.status().ballot(), "no ballot is taken before a majority said yes");
    }

    @Test
    void aMajorityOfYesStartsTheCampaign() {
        PaxosNode n = lapsed(1);
        Ballot b = askToCampaign(n);
        n.step(new Message.PreVoteGrant(7, 2, 1, b));
        assertEquals(PaxosRole.CANDIDATE, n.status().role());
        Out o = drain(n);
        assertEquals(List.of(new Durable.Promised(b)), o.persisted());
        assertEquals(2, o.of(Message.Prepare.class).size());
    }

    @Test
    void aYesForAnotherBallotCountsForNothing() {
        PaxosNode n = lapsed(1);
        Ballot b = askToCampaign(n);
        n.step(new Message.PreVoteGrant(7, 2, 1, new Ballot(b.round() - 1, 1)));
        assertEquals(PaxosRole.FOLLOWER, n.status().role());
    }

    @Test
    void aPreVoteChangesNothingAtTheNodeAsked() {
        PaxosNode n = lapsed(2);
        n.step(new Message.PreVote(7, 3, 2, new Ballot(4, 3), FIRST));
        Out o = drain(n);
        assertEquals(List.of(new Message.PreVoteGrant(7, 2, 3, new Ballot(4, 3))), o.sent());
        assertTrue(o.persisted().isEmpty());
        // No promise and no lease view was given: a lower ballot from another node still gets a promise.
        n.step(new Message.Prepare(7, 1, 2, new Ballot(2, 1), FIRST, 1));
        assertEquals(1, drain(n).of(Message.Promise.class).size());
    }

    @Test
    void aNodeHonouringALiveLeaseSaysNo() {
        PaxosNode n = lapsed(2);
        n.step(new Message.Prepare(7, 1, 2, new Ballot(1, 1), FIRST, 1));
        drain(n);
        n.step(new Message.PreVote(7, 3, 2, new Ballot(2, 3), FIRST));
        Out o = drain(n);
        Message.Nack k = o.of(Message.Nack.class).get(0);
        assertEquals(Message.NackReason.LEASE_HELD, k.reason());
        assertEquals(new Ballot(2, 3), k.ballot());
        assertTrue(o.persisted().isEmpty());
    }

    @Test
    void aNoForALowBallotMakesTheCandidateAskAgainHigher() {
        PaxosNode n = lapsed(1);
        Ballot b = askToCampaign(n);
        n.step(new Message.Nack(7, 2, 1, b, new Ballot(8, 3), Message.NackReason.LOWER_BALLOT, FIRST));
        n.tick();
        List<Message.PreVote> again = drain(n).of(Message.PreVote.class);
        assertEquals(new Ballot(9, 1), again.get(0).ballot());
    }

    @Test
    void noCampaignOnAYesThatArrivesAfterOurAcceptorPromisedAnother() {
        PaxosNode n = lapsed(1);
        Ballot b = askToCampaign(n);
        n.step(new Message.Prepare(7, 3, 1, new Ballot(5, 3), FIRST, 1)); // node 3 won meanwhile
        drain(n);
        n.step(new Message.PreVoteGrant(7, 2, 1, b));
        assertEquals(PaxosRole.FOLLOWER, n.status().role());
        assertEquals(3, n.status().leaderHint());
    }

    /**
     * Issue 12 at node level: node 3 led under 1.3, stalled past its lease, and catches up the ticks it missed
     * at once while node 1 leads under 2.1 with node 2. Node 3 must not take a ballot, so the accept of the
     * live leader that waited for it is accepted, not refused with a higher promise.
     */
    @Test
    void aNodeWokenFromAStallDoesNotRefuseTheLiveLeader() {
        PaxosNode n = lapsed(3);
        n.setCampaignAllowed(true);
        Ballot old = new Ballot(1, 3);
        n.step(new Message.Prepare(7, 3, 3, old, FIRST, 1)); // stands in for its own term: it promised 1.3
        drain(n);
        for (int i = 0; i < 60; i++) { // the stall's missed ticks, caught up in one go
            n.tick();
        }
        Out woke = drain(n);
        assertTrue(woke.of(Message.Prepare.class).isEmpty(), "no campaign before peers said yes: " + woke.sent());
        assertTrue(woke.persisted().isEmpty(), "no new promise: " + woke.persisted());
        Message.PreVote asked = woke.of(Message.PreVote.class).get(0);
        n.step(new Message.Nack(7, 1, 3, asked.ballot(), new Ballot(2, 1), Message.NackReason.LEASE_HELD, FIRST));
        n.step(new Message.Nack(7, 2, 3, asked.ballot(), new Ballot(2, 1), Message.NackReason.LEASE_HELD, FIRST));
        Ballot live = new Ballot(2, 1);
        n.step(new Message.Accept(7, 1, 3, live, FIRST, Value.noop(live), FIRST));
        Out reply = drain(n);
        assertTrue(reply.of(Message.Nack.class).isEmpty(), "the live leader must not be refused: " + reply.sent());
        Message.Accepted a = reply.of(Message.Accepted.class).get(0);
        assertEquals(live, a.ballot());
        assertEquals(PaxosRole.FOLLOWER, n.status().role());
        n.step(new Message.Renew(7, 1, 3, live, 4, FIRST));
        assertEquals(1, drain(n).of(Message.Grant.class).size());
        assertEquals(1, n.status().leaderHint(), "it learned who leads");
    }
}
