package io.paxosql.binlog.log;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;

/** A transaction at its place in the log; sequence numbers start at 1 and have no gaps. */
public record LogEntry(long sequence, Transaction transaction) implements GtidAt {
  @Override
  public Gtid gtid() {
    return transaction.gtid();
  }
}
