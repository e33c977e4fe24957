package io.paxosql.node.mariadb;

import java.util.ArrayList;
import java.util.List;

/**
 * How a master's MariaDB waits at commit, read in one statement. Only one combination keeps every commit
 * waiting until the capture ACKs it, that is until the cluster chose it: semi-sync ON, wait point
 * AFTER_SYNC, our practically endless timeout, and waiting even with no semi-sync client. Root can change
 * any of them with SET GLOBAL; each change lets MariaDB release commits the cluster has not chosen.
 */
public record SemiSyncSettings(boolean enabled, String waitPoint, long timeoutMs, boolean waitNoSlave) {
  public static final String WAIT_POINT = "AFTER_SYNC";

  /** What differs from the only safe settings, one line each; empty when they are intact. */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    if (!enabled) {
      out.add("rpl_semi_sync_master_enabled is OFF (commits are released without waiting for the cluster)");
    }
    if (!WAIT_POINT.equalsIgnoreCase(waitPoint)) {
      out.add("rpl_semi_sync_master_wait_point is " + waitPoint + ", not " + WAIT_POINT
          + " (a commit is visible before the cluster chose it)");
    }
    if (timeoutMs != MariaDbControl.SEMI_SYNC_TIMEOUT_MS) {
      out.add("rpl_semi_sync_master_timeout is " + timeoutMs + " ms, not " + MariaDbControl.SEMI_SYNC_TIMEOUT_MS
          + " (a commit waiting longer is released without the cluster)");
    }
    if (!waitNoSlave) {
      out.add("rpl_semi_sync_master_wait_no_slave is OFF (commits are released while the capture reconnects)");
    }
    return out;
  }
}
