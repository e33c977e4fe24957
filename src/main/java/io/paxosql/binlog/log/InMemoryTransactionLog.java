package io.paxosql.binlog.log;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.SpooledEvents;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A {@link TransactionLog} in memory: durable as long as the process lives. Thread-safe. */
public final class InMemoryTransactionLog implements TransactionLog {
  private final List<LogEntry> entries = new ArrayList<>();
  private final EntryListeners listeners = new EntryListeners();
  private long first = 1;
  private GtidState before = GtidState.EMPTY;
  private GtidState after = GtidState.EMPTY;

  @Override
  public Future<LogEntry> append(Transaction given) {
    // A spooled transaction's file is closed once the append completes; this log keeps the events in memory.
    Transaction tx = given.events() instanceof SpooledEvents ? new Transaction(given.gtid(),
        new ArrayList<>(given.events()), given.sourceFile(), given.sourceEndPos()) : given;
    LogEntry entry;
    synchronized (this) {
      Gtid g = tx.gtid();
      if (after.covers(g)) {
        return Future.failedFuture(new IllegalArgumentException("GTID " + g
            + " is not after the log's last transaction in domain " + g.domainId() + " ("
            + after.get(g.domainId()) + "); the log takes each transaction once, in order"));
      }
      entry = new LogEntry(first + entries.size(), tx);
      entries.add(entry);
      after = after.with(g);
    }
    listeners.publish(entry);
    return Future.succeededFuture(entry);
  }

  @Override
  public synchronized Future<List<LogEntry>> read(long fromSequence, int max) {
    if (fromSequence < first) {
      return Future.failedFuture(new IllegalArgumentException("sequence " + fromSequence
          + " is no longer retained; the log starts at " + first));
    }
    int from = (int) Math.min(fromSequence - first, entries.size());
    int to = (int) Math.min((long) from + max, entries.size());
    return Future.succeededFuture(List.copyOf(entries.subList(from, to)));
  }

  @Override
  public synchronized Future<Long> locate(GtidState state) {
    return GtidLocator.locateFuture(retained(), entries, state);
  }

  @Override
  public AutoCloseable subscribe(Consumer<GtidAt> listener) {
    return listeners.subscribe(listener);
  }

  @Override
  public synchronized RetainedRange retained() {
    return new RetainedRange(first, first + entries.size() - 1, before, after);
  }

  /** Drops entries before {@code sequence}, as retention would. */
  public synchronized void purgeBefore(long sequence) {
    while (!entries.isEmpty() && entries.get(0).sequence() < sequence) {
      before = before.with(entries.remove(0).transaction().gtid());
      first++;
    }
  }
}
