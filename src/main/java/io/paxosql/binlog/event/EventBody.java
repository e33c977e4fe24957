package io.paxosql.binlog.event;

/** The type-specific part of an event: what follows the common header, without the checksum. */
public sealed interface EventBody
    permits RotateEvent, FormatDescriptionEvent, QueryEvent, XidEvent, TableMapEvent, RowsEvent,
        HeartbeatEvent, AnnotateRowsEvent, BinlogCheckpointEvent, GtidEvent, GtidListEvent, OpaqueEvent {

  /** The event type code this body belongs to. */
  int type();

  /** The body's bytes exactly as they appear in the event. */
  byte[] encode();
}
