package io.paxosql.binlog;

/** An event sequence that is not a series of whole event groups; the stream must be restarted. */
public final class MalformedStreamException extends RuntimeException {
  public MalformedStreamException(String message) {
    super(message);
  }
}
