package io.paxosql.paxos;

/**
 * A node's view of leadership at local tick {@code now}.
 *
 * @param ballot        the ballot this node campaigns under, or for a leader the one it was elected under
 *                      (its term, the master epoch; it may run phase 1 again higher); {@link Ballot#ZERO} if never
 * @param leaderHint    the node this one believes leads, or -1
 * @param leaseUntil    the lease is valid while the node's tick counter is below this; -1 for no lease
 * @param firstUnchosen every instance below is chosen and known here
 */
public record Status(PaxosRole role, Ballot ballot, int leaderHint, long leaseUntil, long firstUnchosen, long now) {

    public boolean holdsLease() {
        return leaseUntil > now;
    }
}
