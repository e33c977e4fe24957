package io.paxosql.log;

import java.io.IOException;
import java.util.List;

/**
 * A fault seam of the log, as the transport's {@code FaultInjector} is one of the network: runs on the
 * writer thread just before each group of appended records is synced, and may delay that sync (a slow disk)
 * or fail it (a failing disk: the writer then stops the node, as for any failed sync). Nodes run with
 * {@link #NONE}; tests use it to check that nothing is acknowledged before a majority's sync. A test may
 * also hold a batch before it is appended at all, then halt the node: the files then lack those records
 * as after a power loss, which a kill alone does not give (appended pages survive a killed process).
 */
@FunctionalInterface
public interface SyncFault {
  SyncFault NONE = records -> {};

  /** Called before the sync of a group that appended {@code records} (in order); throwing fails that sync. */
  void beforeSync(List<LogRecord> records) throws IOException;

  /** Called before one persisted batch of {@code records} is appended; throwing fails the node's log. */
  default void beforeAppend(List<LogRecord> records) throws IOException {
  }
}
