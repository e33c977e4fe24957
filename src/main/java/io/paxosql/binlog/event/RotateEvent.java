package io.paxosql.binlog.event;

/** Rotate (4): the next event is at {@code position} in {@code fileName}. */
public record RotateEvent(long position, String fileName) implements EventBody {
  static RotateEvent decode(BodyReader r) {
    long pos = r.u64("position");
    return new RotateEvent(pos, r.latin1(r.remaining(), "file name"));
  }

  @Override
  public int type() {
    return EventType.ROTATE;
  }

  @Override
  public byte[] encode() {
    return new BodyWriter(8 + fileName.length()).u64(position).latin1(fileName).toArray();
  }
}
