package io.paxosql.log;

/**
 * Writing or syncing the Paxos log failed (an I/O error, a full disk): the node can no longer make
 * promises or accepted values durable and must stop. The message names the directory, the file being
 * written and the error, so the operator knows what to free or replace.
 */
public final class LogStorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LogStorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
