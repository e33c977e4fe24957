package io.paxosql.node.seed;

/** Where a seed or rebuild of this node's MariaDB stands; shown in logs, status and metrics (ordinal). */
public enum SeedPhase {
  /** No seed has run since the node started. */
  IDLE,
  /** Looking for a healthy donor among the members. */
  CHOOSING_DONOR,
  /** Receiving the donor's mbstream and unpacking it into the staging directory. */
  STREAMING,
  /** mariadb-backup --prepare: applying the copied redo log so the files are consistent. */
  PREPARING,
  /** Old datadir moved aside, the prepared one moved in, MariaDB starting as a follower. */
  INSTALLING,
  /** MariaDB runs from the backup and replays the cluster's log from the backup's GTID. */
  CATCHING_UP,
  /** MariaDB applied the chain up to where it was when the seed finished. */
  DONE,
  /** The last attempt failed; {@code lastError} says why. */
  FAILED
}
