package io.paxosql.node;

import io.paxosql.node.role.NodeRole;
import java.util.Set;

/**
 * When the replica check ({@link ForeignReplicaWatch}) also reads MariaDB's semi-sync client count. The dump
 * list is read at every check (it is what catches a second replica, within one check); the count only
 * adds the rare case of a semi-sync client without a visible dump, and a status read costs MariaDB several
 * times the dump list. So the count is read when it can say something new: at the first check, when the
 * role changed, when the dumps differ from those seen at the last count, while the last count found
 * unexplained clients (the next check confirms or clears them, as before), and otherwise every
 * {@code every} checks. Pure; the watch calls it on the node's context.
 */
final class SemiSyncCountCadence {
  private final int every;
  private boolean counted;
  private NodeRole lastRole;
  private Set<Long> dumpsAtCount = Set.of();
  private int checksSinceCount;
  private boolean unexplained;

  /** @param every the longest run of checks without a count, the one that makes the count: 1 counts always */
  SemiSyncCountCadence(int every) {
    if (every < 1) {
      throw new IllegalArgumentException("every must be at least 1 check, was " + every);
    }
    this.every = every;
  }

  /** Before looking: whether this check counts whatever the dump list shows. */
  boolean due(NodeRole role) {
    return !counted || role != lastRole || unexplained || checksSinceCount + 1 >= every;
  }

  /** After a look without the count: whether the dumps seen differ from those at the last count. */
  boolean changed(Set<Long> dumpIds) {
    return !dumpIds.equals(dumpsAtCount);
  }

  /** A check read the count with these dumps; {@code unexplainedClients}: it found clients without a dump. */
  void counted(NodeRole role, Set<Long> dumpIds, boolean unexplainedClients) {
    counted = true;
    lastRole = role;
    dumpsAtCount = Set.copyOf(dumpIds);
    checksSinceCount = 0;
    unexplained = unexplainedClients;
  }

  /** A check read the dumps alone (they matched the last count's). */
  void skipped(NodeRole role) {
    lastRole = role;
    checksSinceCount++;
  }
}
