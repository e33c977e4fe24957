package io.paxosql.mysql;

/**
 * Bytes that do not follow the MySQL client/server protocol. The message names what was wrong and
 * where, so that a log line alone is enough to find the peer or packet at fault.
 */
public class ProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }
}
