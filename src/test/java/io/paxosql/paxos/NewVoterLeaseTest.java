package io.paxosql.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lease while a voter is added (issue 14). Three members, node 1 leads, node 3 is down: the old majority
 * (1, 2) is healthy. Once {1, 2, 3, 4} is in force, a majority of it needs the joiner, which can promise the
 * leader's ballot only once its promise is durable, behind its catch-up writes. Counting the lease on the new
 * set alone, the master lost its lease during the add (MembershipIntegrationTest, 3 -> 4 -> 5 under load).
 * The other side: a joiner that never answers the leader must not let that leader hold the cluster for ever
 * (simulator seed 873 lost liveness when the leader waited for the new set's promises).
 * Lease 10 ticks, renew 3, alpha 2 ({@link LockstepCluster}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NewVoterLeaseTest {

    private static final TreeSet<Integer> GENESIS = new TreeSet<>(List.of(1, 2, 3));
    private static final TreeSet<Integer> FOUR = new TreeSet<>(List.of(1, 2, 3, 4));

    /** Nodes 1-3, node 1 the only one allowed to campaign, until it holds the lease. */
    private static LockstepCluster ledByNode1() {
        LockstepCluster c = new LockstepCluster(GENESIS, 1, 2, 3);
        c.node(1).setCampaignAllowed(true);
        assertTrue(c.stepUntil(() -> c.leaseHolder() == 1, 100), "node 1 leads");
        return c;
    }

    /** Adds node 4 through node 1 and steps until {1, 2, 3, 4} is in force at node 1. */
    private static void addNode4(LockstepCluster c) {
        assertTrue(c.node(1).proposeMembership(new Entry.AddMember(900, 4)).queuedOk());
        assertTrue(c.stepUntil(() -> FOUR.equals(c.node(1).membersAt(c.node(1).firstUnchosen())), 20),
                "the add comes into force at the leader");
    }

    /**
     * The joiner's disk is slow for two lease periods (its catch-up writes), so its promise, and its grants
     * queued behind it, come two leases late. The master keeps its lease all along, and a write proposed during
     * the add is chosen once the joiner votes. Before the handover rule, the lease lapsed one lease period after
     * the new set came into force and node 1 stepped down.
     */
    @Test
    void aJoinerSlowToPromiseDoesNotCostTheMasterItsLease() {
        LockstepCluster c = ledByNode1();
        c.down(3);
        c.add(GENESIS, 4);
        c.slowDisk(4, 20);
        addNode4(c);
        assertTrue(c.node(1).propose(1, new byte[] {1}).queuedOk());
        long end = c.tick() + 40;
        while (c.tick() < end) {
            c.step();
            assertEquals(1, c.leaseHolder(), "node 1 holds the lease at tick " + c.tick() + ": "
                    + Describe.status(c.node(1).status()));
        }
        assertTrue(c.chosen(1), "the write proposed during the add is chosen once the joiner votes");
    }

    /**
     * The joiner answers everyone but the leader (links 1-3 and 1-4 cut), so the leader can never gather a
     * majority of {1, 2, 3, 4}, while 2, 3 and 4 could. The leader may keep its lease for a bounded handover,
     * then must lose it, so that node 2's grants lapse and 2, 3 and 4 elect a leader that gets a write chosen.
     * A leader that kept counting the old set's grants until the new set promised would hold the cluster for
     * ever; so would one that held the change back until the new set promised (seed 873).
     */
    @Test
    void aLeaderTheNewSetCannotReachLosesItsLeaseSoTheOthersCanLead() {
        LockstepCluster c = ledByNode1();
        c.cut(1, 3);
        c.add(GENESIS, 4);
        c.cut(1, 4);
        for (int id : List.of(2, 3, 4)) {
            c.node(id).setCampaignAllowed(true);
        }
        addNode4(c);
        long switched = c.tick();
        assertTrue(c.stepUntil(() -> c.leaseHolder() != 1, 60), "node 1 lost its lease within 60 ticks of the"
                + " switch: " + Describe.status(c.node(1).status()));
        long lost = c.tick();
        assertTrue(lost - switched <= 3 * 10 + 1, "node 1 held the lease " + (lost - switched)
                + " ticks after the new set came into force; the handover allows two lease periods plus one");
        assertTrue(c.stepUntil(() -> c.leaseHolder() > 1, 60), "another node leads");
        int leader = c.leaseHolder();
        assertTrue(c.node(leader).propose(2, new byte[] {2}).queuedOk());
        assertTrue(c.stepUntil(() -> c.chosen(2), 30), "node " + leader + " gets a write chosen");
    }
}
