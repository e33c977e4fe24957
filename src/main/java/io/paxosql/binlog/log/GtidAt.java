package io.paxosql.binlog.log;

import io.paxosql.binlog.event.Gtid;

/** A transaction's GTID at its sequence in a log: all {@link GtidLocator} needs to find a start. */
public interface GtidAt {
  long sequence();

  Gtid gtid();
}
