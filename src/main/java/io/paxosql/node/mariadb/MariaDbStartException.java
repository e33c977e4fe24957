package io.paxosql.node.mariadb;

/** A managed mariadbd could not be set up or started; the message names the cause and what to do. */
public final class MariaDbStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MariaDbStartException(String message) {
    super(message);
  }

  public MariaDbStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
