package io.paxosql.testing;

/**
 * Seeds for tests that draw random inputs: fixed by default so every run is the same, printed so a
 * failure names the run, and overridable to explore (e.g. {@code -Dpaxosql.seed=12345}).
 */
public final class Seeds {
  private Seeds() {}

  /** The value of system property {@code property} if set, else {@code fallback}; printed either way. */
  public static long seed(String property, long fallback) {
    long seed = Long.getLong(property, fallback);
    System.out.println("random seed " + seed + " (set -D" + property + "=N to choose another)");
    return seed;
  }
}
