package io.paxosql.proxy;

/**
 * How fresh a read on the RO port must be; replaced at runtime (config hot reload), taken up by each
 * statement that starts after the change.
 *
 * @param mode {@link Mode}
 * @param maxLagMs BOUNDED: the most replica lag a statement accepts; LINEARIZABLE: the longest a
 *     statement waits for its read index (fetching it and the local MariaDB applying it)
 */
public record ReadPolicy(Mode mode, long maxLagMs) {

  public enum Mode {
    /** The local MariaDB as it is, possibly stale; bytes relayed with no per-statement work. */
    LOCAL,
    /** Refuse a statement with an ERR when the local replica lags more than maxLagMs. */
    BOUNDED,
    /** Wait until the local MariaDB applied everything the master had committed when the statement arrived. */
    LINEARIZABLE
  }

  public static final ReadPolicy LOCAL = new ReadPolicy(Mode.LOCAL, 1000);

  public ReadPolicy {
    if (mode == null) {
      throw new IllegalArgumentException("read consistency mode must be one of LOCAL, BOUNDED, LINEARIZABLE");
    }
    if (maxLagMs < 0) {
      throw new IllegalArgumentException("maxLagMs must be >= 0, got " + maxLagMs);
    }
  }
}
