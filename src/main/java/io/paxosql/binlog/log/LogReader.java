package io.paxosql.binlog.log;

import io.vertx.core.Future;
import java.util.List;

/**
 * One reader's place in a {@link TransactionLog}, which may lie inside a transaction: each call hands out the
 * next pieces in order. Not thread-safe; call {@link #next} again only once the previous call completed.
 */
public interface LogReader {
  /**
   * The next pieces (a bounded amount of bytes, at least one piece unless at the end); an empty list means the
   * end of the log for now: call again once the log tells its subscribers of a new entry.
   */
  Future<List<LogPiece>> next();

  /** Where the reader stands, for messages: the sequence of the transaction it reads or reads next. */
  long sequence();
}
