package io.paxosql.binlog.log;

import io.paxosql.binlog.event.Gtid;
import java.util.List;

/**
 * Some consecutive events of the transaction at {@code sequence}, as a {@link LogReader} hands them out: a
 * small transaction comes as one piece, a big one as several, so no reader holds a whole big transaction.
 * The piece with {@code last} set ends the transaction.
 */
public record LogPiece(long sequence, Gtid gtid, List<byte[]> events, boolean last) implements GtidAt {
  public LogPiece {
    events = List.copyOf(events);
  }

  public long sizeBytes() {
    long n = 0;
    for (byte[] e : events) {
      n += e.length;
    }
    return n;
  }
}
