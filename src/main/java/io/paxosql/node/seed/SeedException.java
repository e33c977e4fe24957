package io.paxosql.node.seed;

/** Seeding failed; the message names the donor, the step and what to do. The datadir was not changed. */
public final class SeedException extends RuntimeException {
  public SeedException(String message, Throwable cause) {
    super(message, cause);
  }
}
