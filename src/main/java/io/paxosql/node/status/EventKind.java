package io.paxosql.node.status;

/** What kind of thing happened to a node, as the status page's timeline groups events. */
public enum EventKind {
  /** The node's role changed (FOLLOWER, PROMOTING, MASTER, FENCING, DIVERGED). */
  ROLE,
  /** The node fenced its MariaDB, or resigned its lease. */
  FENCE,
  /** The Paxos leader changed as this node saw it: a lease lapsed, an election was won. */
  ELECTION,
  /** The node found evidence that its MariaDB diverged from the chain. */
  DIVERGENCE,
  /** A rebuild or seeding of the node's MariaDB started, ended or failed. */
  REBUILD,
  /** The config file was reloaded, partly applied, or rejected. */
  CONFIG,
  /** Something the access rules should prevent was found and stopped (a replica other than the capture). */
  SECURITY
}
