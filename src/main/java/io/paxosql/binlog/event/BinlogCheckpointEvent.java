package io.paxosql.binlog.event;

/** Binlog_checkpoint (161): the oldest binlog file crash recovery may still need. */
public record BinlogCheckpointEvent(String fileName) implements EventBody {
  static BinlogCheckpointEvent decode(BodyReader r) {
    int len = (int) r.u32("file name length");
    String name = r.latin1(len, "file name");
    r.expectEnd();
    return new BinlogCheckpointEvent(name);
  }

  @Override
  public int type() {
    return EventType.BINLOG_CHECKPOINT;
  }

  @Override
  public byte[] encode() {
    return new BodyWriter(4 + fileName.length()).u32(fileName.length()).latin1(fileName).toArray();
  }
}
