package io.paxosql.binlog.server;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.BinlogCheckpointEvent;
import io.paxosql.binlog.event.Checksum;
import io.paxosql.binlog.event.EventBody;
import io.paxosql.binlog.event.EventCodec;
import io.paxosql.binlog.event.EventHeader;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.event.GtidListEvent;
import io.paxosql.binlog.event.HeartbeatEvent;
import io.paxosql.binlog.event.RotateEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The events one replica connection receives, placed in a virtual binlog: an artificial Rotate,
 * Format_description, Gtid_list and Binlog_checkpoint, then the log's transactions with log_pos
 * rewritten to their end in the virtual file and checksums recomputed. Event bodies (and so the
 * GTIDs and group-commit ids) are untouched. Past {@code rotateAt} bytes the stream rotates to the
 * next file, since log_pos is 32-bit. Pure: one per connection, on its context.
 */
public final class DumpStream {
  static final long FIRST_POSITION = 4;

  private final String baseName;
  private final long serverId;
  private final long rotateAt;
  private final long createTimestamp;
  private int fileNumber = 1;
  private long position = FIRST_POSITION;
  private GtidState state;

  public DumpStream(String baseName, long serverId, long rotateAt, long createTimestamp, GtidState start) {
    this.baseName = baseName;
    this.serverId = serverId;
    this.rotateAt = rotateAt;
    this.createTimestamp = createTimestamp;
    this.state = start;
  }

  public String fileName() {
    return String.format("%s.%06d", baseName, fileNumber);
  }

  public long position() {
    return position;
  }

  private byte[] next(long timestamp, int flags, EventBody body) {
    byte[] probe = EventCodec.build(timestamp, serverId, 0, flags, body, true);
    position += probe.length;
    return Checksum.restamp(probe, position);
  }

  /** What every dump starts with. */
  public List<byte[]> start() {
    List<byte[]> out = new ArrayList<>();
    out.add(EventCodec.build(0, serverId, 0, EventHeader.FLAG_ARTIFICIAL, new RotateEvent(FIRST_POSITION, fileName()),
        true));
    fileHeader(out);
    return out;
  }

  private void fileHeader(List<byte[]> out) {
    position = FIRST_POSITION;
    out.add(next(createTimestamp, 0, MariaDbFormat.formatDescription(createTimestamp)));
    out.add(next(createTimestamp, 0, new GtidListEvent(0, List.copyOf(state.gtids()))));
    out.add(next(createTimestamp, 0, new BinlogCheckpointEvent(fileName())));
  }

  /** The transaction's events placed at the current position; may be followed by a rotation. */
  public List<byte[]> transaction(Transaction tx) {
    List<byte[]> out = new ArrayList<>(tx.events().size() + 4);
    out.addAll(events(tx.events()));
    out.addAll(end(tx.gtid()));
    return out;
  }

  /**
   * Some consecutive events of a transaction placed at the current position: a big transaction is placed a
   * piece at a time, then {@link #end} closes it.
   */
  public List<byte[]> events(List<byte[]> events) {
    List<byte[]> out = new ArrayList<>(events.size());
    for (byte[] e : events) {
      position += e.length;
      out.add(Checksum.restamp(e, position));
    }
    return out;
  }

  /** The transaction {@code gtid} was placed whole; returns the rotation that may follow it (a binlog never splits one). */
  public List<byte[]> end(Gtid gtid) {
    state = state.with(gtid);
    if (position < rotateAt) {
      return List.of();
    }
    List<byte[]> out = new ArrayList<>(4);
    fileNumber++;
    out.add(next(createTimestamp, 0, new RotateEvent(FIRST_POSITION, fileName())));
    fileHeader(out);
    return out;
  }

  /** A heartbeat naming the current file and position, as an idle master sends. */
  public byte[] heartbeat() {
    return EventCodec.build(0, serverId, position, 0, new HeartbeatEvent(fileName()), true);
  }
}
