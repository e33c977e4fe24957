package io.paxosql.binlog.log;

import io.vertx.core.Future;
import java.util.List;

/** A {@link LogReader} over a log that reads whole entries: each transaction is one last piece. */
final class WholeEntryReader implements LogReader {
  private final TransactionLog log;
  private final int max;
  private long next;

  WholeEntryReader(TransactionLog log, long from, int max) {
    this.log = log;
    this.next = from;
    this.max = max;
  }

  @Override
  public Future<List<LogPiece>> next() {
    return log.read(next, max).map(entries -> {
      if (!entries.isEmpty()) {
        next = entries.get(entries.size() - 1).sequence() + 1;
      }
      return entries.stream().map(e -> new LogPiece(e.sequence(), e.gtid(), e.transaction().events(), true)).toList();
    });
  }

  @Override
  public long sequence() {
    return next;
  }
}
