package io.paxosql.log;

import java.io.IOException;
import java.util.List;

/**
 * A fault seam of the log, as the transport's {@code FaultInjector} is one of the network: runs on the
 * writer thread just before each group of appended records is synced, and may delay that sync (a slow disk)
 * or fail it (a failing disk: the writer then stops the node, as for any failed sync). Nodes run with
 * {@link #NONE}; tests use it to check that nothing is acknowledged before a majority's sync.
 */
@FunctionalInterface
public interface SyncFault {
  SyncFault NONE = records -> {};

  /** Called before the sync of a group that appended {@code records} (in order); throwing fails that sync. */
  void beforeSync(List<LogRecord> records) throws IOException;
}
