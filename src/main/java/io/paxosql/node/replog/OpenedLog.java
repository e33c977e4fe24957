package io.paxosql.node.replog;

import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.log.ReadResult;
import io.paxosql.paxos.PersistentState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The log as opened, and the core's state restored from it ({@link ReplicatedLog#start}'s first step). */
record OpenedLog(PaxosLog log, PersistentState core) {

  /**
   * Opens the log and reads back the newest chosen values that fit the memory bounds, so the core can
   * answer peers right away. Blocking: call it on a worker thread.
   */
  static OpenedLog open(ReplogOptions opts, MeterRegistry registry, PaxosLog.ExecutorCompletion completions,
      Consumer<Throwable> fatal) {
    PaxosLog l = PaxosLog.open(opts.log().withRegistry(registry), completions, fatal);
    long chosenBelow = l.chosenBelow();
    long firstKept = chosenBelow;
    long bytes = 0;
    List<LogRecord.Chosen> recent = new ArrayList<>();
    while (firstKept > l.firstRetained() && chosenBelow - firstKept < opts.memoryValues()
        && bytes < CoreDriver.MEMORY_BYTES) {
      long from = Math.max(l.firstRetained(), firstKept - 256);
      ReadResult rr = l.read(from, (int) (firstKept - from), Long.MAX_VALUE).join();
      if (rr.values().size() != firstKept - from) {
        break;
      }
      for (LogRecord.Chosen c : rr.values()) {
        bytes += c.value().length;
      }
      recent.addAll(0, rr.values());
      firstKept = from;
    }
    return new OpenedLog(l, RecordMapping.toCore(l.recovered(), firstKept, recent));
  }
}
