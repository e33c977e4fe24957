package io.paxosql.binlog;

import io.paxosql.binlog.event.Gtid;
import java.util.List;

/**
 * One whole event group as the master wrote it: its GTID, every event's bytes (checksums included,
 * log_pos as in the master's binlog) and where the group ends in the master's binlog. A big group's events may
 * be {@link SpooledEvents} in a temporary file rather than in the heap.
 */
public record Transaction(Gtid gtid, List<byte[]> events, String sourceFile, long sourceEndPos) {
  public Transaction {
    if (events.isEmpty()) {
      throw new IllegalArgumentException("a transaction has at least its Gtid event");
    }
    // A spooled transaction stays in its file; any other list is copied, so the record is immutable.
    events = events instanceof SpooledEvents spooled ? spooled.seal() : List.copyOf(events);
  }

  public long sizeBytes() {
    if (events instanceof SpooledEvents spooled) {
      return spooled.bytes();
    }
    long n = 0;
    for (byte[] e : events) {
      n += e.length;
    }
    return n;
  }
}
