package io.paxosql.node.mariadb;

/** A managed mariadbd could not be set up or started; the message names the cause and what to do. */
public final class MariaDbStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean preparedTransactionsStranded;

  public MariaDbStartException(String message) {
    this(message, false);
  }

  /**
   * {@code preparedTransactionsStranded}: mariadbd refused to start because InnoDB holds prepared
   * transactions while its last binlog says it was closed properly, so there is no recovery to decide them.
   */
  public MariaDbStartException(String message, boolean preparedTransactionsStranded) {
    super(message);
    this.preparedTransactionsStranded = preparedTransactionsStranded;
  }

  public MariaDbStartException(String message, Throwable cause) {
    super(message, cause);
    this.preparedTransactionsStranded = false;
  }

  public boolean preparedTransactionsStranded() {
    return preparedTransactionsStranded;
  }
}
