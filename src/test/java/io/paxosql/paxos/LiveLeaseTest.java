package io.paxosql.paxos;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leader that holds its lease does not give it up because one acceptor reports a higher promise: a
 * majority granted the lease and refuses every other candidate until it ends, so that promise belongs to a
 * campaign that cannot win (in the simulator: a Prepare that waited in a stalled node's queue; in a
 * contested election, the loser's own). It runs phase 1 again above that promise instead, so the acceptor
 * follows it again, and keeps its term. A new leader still recovering does the same (the promises that elected
 * it were lease grants); a candidate steps down as before.
 */
class LiveLeaseTest {

    private static final TreeSet<Integer> MEMBERS = new TreeSet<>(List.of(1, 2, 3));
    private static final long FIRST = 100;

    private static PaxosNode candidate() {
        PaxosNode n = PaxosNode.fresh(new PaxosConfig(7, 1, MEMBERS, FIRST, 10, 3, 3, 4, 2, 4, 1024, 100, 10));
        n.setCampaignAllowed(true);
        for (int i = 0; i < 40 && n.status().role() == PaxosRole.FOLLOWER; i++) {
            n.tick();
            while (n.hasReady()) {
                for (Message m : n.ready().send()) {
                    if (m instanceof Message.PreVote v && v.to() == 2) {
                        n.step(new Message.PreVoteGrant(7, 2, 1, v.ballot()));
                    }
                }
                n.advance();
            }
        }
        assertEquals(PaxosRole.CANDIDATE, n.status().role());
        drain(n);
        return n;
    }

    private static void drain(PaxosNode n) {
        while (n.hasReady()) {
            n.ready();
            n.advance();
        }
    }

    /** Node 2 promises: node 1 leads, its barrier no-op at FIRST in flight. */
    private static PaxosNode leader() {
        PaxosNode n = candidate();
        Ballot b = n.status().ballot();
        n.step(new Message.Promise(7, 2, 1, b, 1, FIRST, List.of(), List.of()));
        drain(n);
        assertEquals(PaxosRole.LEADER, n.status().role());
        return n;
    }

    private static Message.Nack higherPromiseFrom3(Ballot ours) {
        return new Message.Nack(7, 3, 1, ours, new Ballot(ours.round() + 1, 3), Message.NackReason.LOWER_BALLOT, FIRST);
    }

    @Test
    void aLeaderWithALiveLeaseKeepsItWhenOneAcceptorPromisedHigher() {
        PaxosNode n = leader();
        Ballot b = n.status().ballot();
        n.step(new Message.Accepted(7, 2, 1, b, FIRST)); // the barrier is chosen: the lease counts
        drain(n);
        assertTrue(n.holdsLease());
        n.step(higherPromiseFrom3(b));
        assertEquals(PaxosRole.LEADER, n.status().role());
        assertTrue(n.holdsLease(), "a minority's higher promise must not end a live lease");
        assertEquals(b, n.status().ballot(), "the term, the master's epoch, stays");
        assertEquals(new Ballot(b.round() + 2, 1), prepared(n), "phase 1 again above the promise of 3");
        assertEquals(b.round() + 3, nextCampaignRound(n), "the higher round is remembered for later");
    }

    @Test
    void aLeaderStillRecoveringRunsPhaseOneAgainOnAHigherPromise() {
        PaxosNode n = leader();
        Ballot b = n.status().ballot();
        n.step(higherPromiseFrom3(b));
        assertEquals(PaxosRole.LEADER, n.status().role());
        assertEquals(new Ballot(b.round() + 2, 1), prepared(n));
    }

    @Test
    void aCandidateStepsDownOnAHigherPromise() {
        PaxosNode n = candidate();
        n.step(higherPromiseFrom3(n.status().ballot()));
        assertEquals(PaxosRole.FOLLOWER, n.status().role());
    }

    /** The ballot of the Prepare the node sends next (one to each member). */
    private static Ballot prepared(PaxosNode n) {
        while (n.hasReady()) {
            n.ready();
            for (Message m : n.advance()) {
                if (m instanceof Message.Prepare p) {
                    return p.ballot();
                }
            }
        }
        throw new AssertionError("no prepare sent");
    }

    /** Lets the lease lapse and returns the round of the pre-vote that follows. */
    private static long nextCampaignRound(PaxosNode leader) {
        for (int i = 0; i < 60; i++) {
            leader.tick();
            while (leader.hasReady()) {
                for (Message m : leader.ready().send()) {
                    if (m instanceof Message.PreVote v) {
                        return v.ballot().round();
                    }
                }
                leader.advance();
            }
        }
        throw new AssertionError("no pre-vote after the lease lapsed");
    }
}
