package io.paxosql.binlog.event;

/** One decoded binlog event: its common header and its typed body. */
public record BinlogEvent(EventHeader header, EventBody body) {
  public int type() {
    return header.type();
  }
}
