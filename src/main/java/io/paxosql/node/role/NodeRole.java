package io.paxosql.node.role;

/** What a node's MariaDB is doing for the cluster. */
public enum NodeRole {
  /** MariaDB is being started (always as a follower, with --init-rpl-role=SLAVE). */
  STARTING,
  /** read_only, replicating the chosen chain from the local binlog server. */
  FOLLOWER,
  /** Holds the lease; catching up, writing its master-change record, opening for writes. */
  PROMOTING,
  /** Holds the lease and serves writes; its capture proposes every transaction. */
  MASTER,
  /** Lost the lease or its MariaDB failed: killing and restarting MariaDB as a follower. */
  FENCING,
  /** MariaDB holds transactions the cluster never chose; refuses to serve until rebuilt. */
  DIVERGED
}
