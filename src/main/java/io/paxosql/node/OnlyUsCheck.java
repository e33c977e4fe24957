package io.paxosql.node;

import io.paxosql.node.mariadb.SemiSyncReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a master's MariaDB can commit only what our capture ACKed: semi-sync is ON with
 * AFTER_SYNC, and no binlog dump runs but the capture's own. A second semi-sync replica could ACK a
 * commit the cluster never chose, and with semi-sync OFF or AFTER_COMMIT MariaDB would show a commit
 * before any ACK; either way the master must stop serving.
 */
final class OnlyUsCheck {
  private OnlyUsCheck() {}

  /**
   * A follower's MariaDB replicates from the local binlog server and serves no replica of ours: any
   * binlog dump on it is someone else's, who would be a second semi-sync replica once it is master.
   */
  static Optional<String> followerProblem(SemiSyncReplicas seen) {
    return seen.dumpConnectionIds().isEmpty() ? Optional.empty() : Optional.of("binlog dump connection(s) "
        + seen.dumpConnectionIds() + " on this follower's MariaDB, which no replica of ours uses; the node "
        + "does not take the master lease while they are there");
  }

  /**
   * @param seen what MariaDB reports
   * @param ownConnectionIds the connection ids the capture logged in with (a dump thread of an earlier
   *     connection of ours may linger until MariaDB notices its socket closed; it can no longer ACK)
   * @return what is wrong, or empty when the capture is the only replica that can ACK
   */
  static Optional<String> problem(SemiSyncReplicas seen, Set<Long> ownConnectionIds) {
    List<String> wrong = new ArrayList<>();
    if (!"ON".equalsIgnoreCase(seen.enabled())) {
      wrong.add("rpl_semi_sync_master_enabled is " + seen.enabled() + ", not ON");
    }
    if (!"AFTER_SYNC".equalsIgnoreCase(seen.waitPoint())) {
      wrong.add("rpl_semi_sync_master_wait_point is " + seen.waitPoint() + ", not AFTER_SYNC");
    }
    List<Long> foreign = seen.dumpConnectionIds().stream().filter(id -> !ownConnectionIds.contains(id)).toList();
    long ours = seen.dumpConnectionIds().size() - foreign.size();
    if (!foreign.isEmpty()) {
      wrong.add("binlog dump connection(s) " + foreign + " other than the capture's " + ownConnectionIds);
    }
    if (seen.clients() > Math.max(1, ours) && foreign.isEmpty()) {
      wrong.add(seen.clients() + " semi-sync clients where only the capture may be one");
    }
    return wrong.isEmpty() ? Optional.empty() : Optional.of("another replica could acknowledge commits: "
        + String.join("; ", wrong) + ". Find who connected to this node's MariaDB as a replica (its "
        + "processlist) and stop it; the node resigns and fences meanwhile");
  }
}
