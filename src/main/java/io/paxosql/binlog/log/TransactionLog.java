package io.paxosql.binlog.log;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Consumer;

/**
 * The ordered log of whole transactions between the capture and the binlog servers. Appends are
 * asynchronous: the future completes once the entry is durable in the implementation's sense (for
 * the replicated log: chosen by a majority), which is when the capture may ACK the master.
 */
public interface TransactionLog {

  /** Appends a whole transaction; fails for a GTID at or below the log's last one in its domain. */
  Future<LogEntry> append(Transaction tx);

  /**
   * Up to {@code max} entries starting at {@code fromSequence}: fewer at the end of the log, or when
   * they are big (at least one unless at the end); an empty list only at the end.
   */
  Future<List<LogEntry>> read(long fromSequence, int max);

  /**
   * The sequence of the first entry a replica at {@code state} has not applied. Fails with
   * {@link GtidPositionException} when that entry is no longer retained, when the replica holds a
   * GTID the log never had, or names a domain the log does not know.
   */
  Future<Long> locate(GtidState state);

  /**
   * A reader from {@code fromSequence} on, handing out at most {@code max} transactions per call. By default it
   * reads whole entries; a log that holds big transactions in parts hands them out a part at a time.
   */
  default LogReader openReader(long fromSequence, int max) {
    return new WholeEntryReader(this, fromSequence, max);
  }

  /**
   * Calls {@code listener} with the sequence and GTID of every entry appended from now on (not its bytes: a
   * big transaction is never held whole to tell of it); the returned handle stops it.
   */
  AutoCloseable subscribe(Consumer<GtidAt> listener);

  RetainedRange retained();
}
