package io.paxosql.binlog.event;

/**
 * Decodes and encodes whole events. The checksum is handled here once: decode verifies and strips
 * it before the per-type parser sees the body; encode recomputes it and the event size.
 */
public final class EventCodec {
  private EventCodec() {}

  public static BinlogEvent decode(byte[] event, boolean checksummed) {
    return decode(event, checksummed, true);
  }

  /** As {@link #decode(byte[], boolean)}, skipping the checksum check for bytes already verified. */
  public static BinlogEvent decodeVerified(byte[] event, boolean checksummed) {
    return decode(event, checksummed, false);
  }

  private static BinlogEvent decode(byte[] event, boolean checksummed, boolean verify) {
    EventHeader h = EventHeader.decode(event, 0);
    if (h.eventSize() != event.length) {
      throw new EventFormatException(EventType.name(h.type()) + " event: header says " + h.eventSize()
          + " bytes but " + event.length + " were given");
    }
    int end = event.length;
    if (checksummed) {
      if (verify) {
        Checksum.verify(event);
      }
      end -= Checksum.SIZE;
    }
    BodyReader r = new BodyReader(event, EventHeader.SIZE, end, EventType.name(h.type()));
    return new BinlogEvent(h, decodeBody(h.type(), r));
  }

  private static EventBody decodeBody(int type, BodyReader r) {
    return switch (type) {
      case EventType.ROTATE -> RotateEvent.decode(r);
      case EventType.FORMAT_DESCRIPTION -> FormatDescriptionEvent.decode(r);
      case EventType.QUERY -> QueryEvent.decode(r);
      case EventType.XID -> XidEvent.decode(r);
      case EventType.TABLE_MAP -> TableMapEvent.decode(r);
      case EventType.WRITE_ROWS_V1, EventType.UPDATE_ROWS_V1, EventType.DELETE_ROWS_V1 -> RowsEvent.decode(type, r);
      case EventType.HEARTBEAT -> HeartbeatEvent.decode(r);
      case EventType.ANNOTATE_ROWS -> AnnotateRowsEvent.decode(r);
      case EventType.BINLOG_CHECKPOINT -> BinlogCheckpointEvent.decode(r);
      case EventType.GTID -> GtidEvent.decode(r);
      case EventType.GTID_LIST -> GtidListEvent.decode(r);
      default -> new OpaqueEvent(type, r.rest());
    };
  }

  /** The event's bytes; event_size follows the body and the checksum is recomputed when asked for. */
  public static byte[] encode(BinlogEvent event, boolean checksummed) {
    byte[] body = event.body().encode();
    int size = EventHeader.SIZE + body.length + (checksummed ? Checksum.SIZE : 0);
    byte[] out = new byte[size];
    event.header().withEventSize(size).encode(out, 0);
    System.arraycopy(body, 0, out, EventHeader.SIZE, body.length);
    if (checksummed) {
      Checksum.fill(out);
    }
    return out;
  }

  /** A fresh event (artificial or generated) from a header template and a body. */
  public static byte[] build(long timestamp, long serverId, long logPos, int flags, EventBody body,
      boolean checksummed) {
    int type = body.type();
    return encode(new BinlogEvent(new EventHeader(timestamp, type, serverId, 0, logPos, flags), body), checksummed);
  }
}
