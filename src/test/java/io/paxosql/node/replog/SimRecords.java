package io.paxosql.node.replog;

import io.paxosql.log.LogRecord;
import io.paxosql.log.Recovered;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.PersistentState;
import java.util.List;

/**
 * The replicated log's real {@link RecordMapping}, opened to the Paxos simulator (test code in the mapping's
 * own package): the simulator's disk stores the core's durable records as the log records, and restarts the
 * core from them, exactly as {@link CoreDriver} does with the real log.
 */
public final class SimRecords {
  private SimRecords() {}

  public static List<LogRecord> toLog(List<Durable> records) {
    return RecordMapping.toLog(records);
  }

  public static PersistentState toCore(Recovered r, List<LogRecord.Chosen> chosen) {
    return RecordMapping.toCore(r, r.firstRetained(), chosen);
  }
}
