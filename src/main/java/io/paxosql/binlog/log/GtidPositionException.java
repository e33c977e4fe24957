package io.paxosql.binlog.log;

/** A replica's GTID position the log cannot serve; the message says which case and what to do. */
public final class GtidPositionException extends RuntimeException {
  /** Why the position cannot be served. */
  public enum Reason { NOT_RETAINED, DIVERGED, UNKNOWN_DOMAIN }

  private final Reason reason;

  public GtidPositionException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
