package io.paxosql.paxos;

/**
 * A proposal number: a round made unique by the id of the node that owns it. Ordered by round, then node.
 * The ballot a leader was elected under (its term) is also the epoch carried by every value it creates; a
 * leader that runs phase 1 again under a higher ballot keeps its term.
 */
public record Ballot(long round, int node) implements Comparable<Ballot> {

    /** Lower than every ballot a node can use; what an acceptor has promised before its first prepare. */
    public static final Ballot ZERO = new Ballot(0, -1);

    /**
     * Highest round a node takes from a message. The node derives its master epoch as round x 4096 + node,
     * which must fit in a long; 2^50 rounds leave more elections than a cluster can ever hold (one per
     * millisecond for 35,000 years).
     */
    public static final long MAX_ROUND = 1L << 50;

    /**
     * How far above every round a node has seen a message's round may be. An honest candidate uses the
     * highest round it has heard of plus one, so rounds climb by one per election; a jump larger than this
     * comes from a faulty or hostile member and is ignored, as a lost message would be, so one such message
     * cannot push the rounds to {@link #MAX_ROUND} and leave a cluster that can never elect again. A member
     * that missed more than 2^20 elections is refused too; it is replaced (replace-member) instead.
     */
    public static final long MAX_ROUND_STEP = 1L << 20;

    public Ballot {
        if (round < 0) {
            throw new IllegalArgumentException("ballot round must be >= 0, got " + round);
        }
    }

    @Override
    public int compareTo(Ballot o) {
        int c = Long.compare(round, o.round);
        return c != 0 ? c : Integer.compare(node, o.node);
    }

    public boolean greaterThan(Ballot o) {
        return compareTo(o) > 0;
    }

    public static Ballot max(Ballot a, Ballot b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public String toString() {
        return round + "." + node;
    }
}
