package io.paxosql.paxos;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Static settings of one node. Times are in ticks of the node's own clock.
 *
 * @param leaseTicks        how long a majority's grant lets the leader serve, counted from when it asked
 * @param leaseMarginTicks  how much longer a follower honours that lease; must cover clock skew and drift
 *                          between nodes over a lease period plus one tick of rounding on each side
 * @param renewTicks        how often the leader renews (well below leaseTicks)
 * @param electionTicks     how long a node waits after the lease it saw lapsed before it campaigns;
 *                          node rank among the members adds {@code electionTicks / 2} per rank to stagger
 * @param retransmitTicks   how often unanswered prepares, accepts and catch-up requests are resent
 * @param alpha             pipeline window: instances in flight at once; also the membership delay
 * @param maxBatchBytes     cap on the size of one instance value built from several proposals
 * @param maxPending        proposals queued at the leader before propose() refuses
 * @param catchUpBatch      chosen values per catch-up answer (sent in messages of at most maxBatchBytes of
 *                          values); at least alpha, so a lagging node gains on a leader that chooses at
 *                          most a window per round trip
 */
public record PaxosConfig(long clusterId, int nodeId, SortedSet<Integer> initialMembers, long firstInstance,
                          int leaseTicks, int leaseMarginTicks, int renewTicks, int electionTicks,
                          int retransmitTicks, int alpha, int maxBatchBytes, int maxPending, int catchUpBatch) {

    /** Highest log start accepted: leaves 2^62 instances of headroom so instance + window never overflows. */
    public static final long MAX_FIRST_INSTANCE = 1L << 62;

    public PaxosConfig {
        initialMembers = Collections.unmodifiableSortedSet(new TreeSet<>(initialMembers));
        if (initialMembers.isEmpty()) {
            throw new IllegalArgumentException("initialMembers is empty; list the node ids of the first cluster");
        }
        if (firstInstance < 0 || firstInstance > MAX_FIRST_INSTANCE) {
            throw new IllegalArgumentException("firstInstance must be in [0, 2^62], got " + firstInstance
                    + "; the log needs room above it for instance arithmetic");
        }
        positive("leaseTicks", leaseTicks);
        positive("renewTicks", renewTicks);
        positive("electionTicks", electionTicks);
        positive("retransmitTicks", retransmitTicks);
        positive("alpha", alpha);
        positive("maxBatchBytes", maxBatchBytes);
        positive("maxPending", maxPending);
        positive("catchUpBatch", catchUpBatch);
        if (catchUpBatch < alpha) {
            throw new IllegalArgumentException("catchUpBatch (" + catchUpBatch + ") must be at least alpha (" + alpha
                    + "): a catch-up answer must carry more than the leader chooses per round trip, or a lagging"
                    + " node never catches up with a busy log");
        }
        if (leaseMarginTicks < 0) {
            throw new IllegalArgumentException("leaseMarginTicks must be >= 0, got " + leaseMarginTicks);
        }
        if (renewTicks * 2 >= leaseTicks) {
            throw new IllegalArgumentException("renewTicks (" + renewTicks + ") must be below half of leaseTicks ("
                    + leaseTicks + ") or the lease lapses between renewals");
        }
    }

    /** Defaults suited to a 100 ms tick: 3 s lease, 1 s margin. */
    public static PaxosConfig defaults(long clusterId, int nodeId, SortedSet<Integer> members, long firstInstance) {
        return new PaxosConfig(clusterId, nodeId, members, firstInstance, 30, 10, 5, 10, 3, 64, 1 << 20, 100_000, 256);
    }

    public PaxosConfig withNode(int node) {
        return new PaxosConfig(clusterId, node, initialMembers, firstInstance, leaseTicks, leaseMarginTicks,
                renewTicks, electionTicks, retransmitTicks, alpha, maxBatchBytes, maxPending, catchUpBatch);
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }
}
