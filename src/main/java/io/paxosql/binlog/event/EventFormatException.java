package io.paxosql.binlog.event;

/** A binlog event whose bytes do not match its declared type, size or checksum. */
public final class EventFormatException extends RuntimeException {
  public EventFormatException(String message) {
    super(message);
  }
}
