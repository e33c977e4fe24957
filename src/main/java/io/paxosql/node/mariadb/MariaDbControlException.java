package io.paxosql.node.mariadb;

/** An administrative statement failed; the message names the statement (passwords redacted). */
public final class MariaDbControlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MariaDbControlException(String statement, Throwable cause) {
    super(statement + " failed: " + cause.getMessage(), cause);
  }
}
