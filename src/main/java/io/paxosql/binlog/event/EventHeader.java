package io.paxosql.binlog.event;

/**
 * The 19-byte v4 common header every binlog event starts with. Unsigned 32-bit fields are held in
 * longs so that values above 2^31 survive a round trip.
 */
public record EventHeader(long timestamp, int type, long serverId, long eventSize, long logPos, int flags) {
  public static final int SIZE = 19;
  /** LOG_EVENT_ARTIFICIAL_F: the event was made up by the sender, not read from a binlog file. */
  public static final int FLAG_ARTIFICIAL = 0x20;

  public static EventHeader decode(byte[] b, int off) {
    if (b.length - off < SIZE) {
      throw new EventFormatException("event shorter than the 19-byte common header: " + (b.length - off) + " bytes");
    }
    return new EventHeader(Le.u32(b, off), b[off + 4] & 0xff, Le.u32(b, off + 5), Le.u32(b, off + 9),
        Le.u32(b, off + 13), Le.u16(b, off + 17));
  }

  public void encode(byte[] b, int off) {
    Le.put32(b, off, timestamp);
    b[off + 4] = (byte) type;
    Le.put32(b, off + 5, serverId);
    Le.put32(b, off + 9, eventSize);
    Le.put32(b, off + 13, logPos);
    Le.put16(b, off + 17, flags);
  }

  public EventHeader withLogPos(long pos) {
    return new EventHeader(timestamp, type, serverId, eventSize, pos, flags);
  }

  public EventHeader withEventSize(long size) {
    return new EventHeader(timestamp, type, serverId, size, logPos, flags);
  }

  public boolean artificial() {
    return (flags & FLAG_ARTIFICIAL) != 0;
  }
}
