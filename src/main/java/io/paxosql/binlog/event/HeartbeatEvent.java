package io.paxosql.binlog.event;

/** Heartbeat (27): sent while the master is idle; the header's log_pos is its current position in {@code fileName}. */
public record HeartbeatEvent(String fileName) implements EventBody {
  static HeartbeatEvent decode(BodyReader r) {
    return new HeartbeatEvent(r.latin1(r.remaining(), "file name"));
  }

  @Override
  public int type() {
    return EventType.HEARTBEAT;
  }

  @Override
  public byte[] encode() {
    return new BodyWriter(fileName.length()).latin1(fileName).toArray();
  }
}
