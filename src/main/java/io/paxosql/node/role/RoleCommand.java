package io.paxosql.node.role;

/** What the role machine asks its driver to do; each long command reports back done or failed. */
public sealed interface RoleCommand {
  /** Tell Paxos whether this node may campaign for the lease. */
  record AllowCampaign(boolean allowed) implements RoleCommand {}

  /**
   * Become master for {@code epoch}: write the master-change record, wait until MariaDB applied the
   * whole chain, stop its replica, enable semi-sync, clear read_only, start the capture.
   */
  record Promote(long epoch) implements RoleCommand {}

  /**
   * Make sure nothing unchosen can ever commit: stop the capture, kill -9 MariaDB, restart it with
   * --init-rpl-role=SLAVE, and follow the local binlog server again.
   */
  record Fence(String reason) implements RoleCommand {}

  /** Give up the lease now (planned switchover, or a master whose MariaDB failed). */
  record Resign(String reason) implements RoleCommand {}

  /** Announce the serving role to the proxies; RW sessions close unless the role is MASTER. */
  record Publish(NodeRole role, long epoch) implements RoleCommand {}
}
