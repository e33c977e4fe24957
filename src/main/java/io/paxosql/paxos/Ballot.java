package io.paxosql.paxos;

/**
 * A proposal number: a round made unique by the id of the node that owns it. Ordered by round, then node.
 * The ballot under which a leader proposes is also the epoch carried by every value it creates.
 */
public record Ballot(long round, int node) implements Comparable<Ballot> {

    /** Lower than every ballot a node can use; what an acceptor has promised before its first prepare. */
    public static final Ballot ZERO = new Ballot(0, -1);

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
