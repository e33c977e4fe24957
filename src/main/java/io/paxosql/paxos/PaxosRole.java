package io.paxosql.paxos;

/** What a node is doing about leadership. */
public enum PaxosRole {
    FOLLOWER,
    /** Running phase 1 under its own ballot. */
    CANDIDATE,
    /** Won phase 1; proposes. Holds the lease once its barrier no-op is chosen and a majority granted. */
    LEADER
}
