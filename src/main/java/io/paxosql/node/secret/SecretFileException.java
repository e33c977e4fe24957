package io.paxosql.node.secret;

/** A secret file that is missing, unreadable, empty or readable by others; the message says what to do. */
public final class SecretFileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SecretFileException(String message) {
    super(message);
  }
}
