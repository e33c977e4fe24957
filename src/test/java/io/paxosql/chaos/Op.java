package io.paxosql.chaos;

/**
 * One completed client operation: who ran it, where, when it was invoked and completed (nanoseconds on
 * this JVM's monotonic clock), and its outcome. {@code value} is the workload's own payload (what was
 * asked and, for an ok read, what was seen).
 */
record Op<T>(int index, int process, String node, long invokeNs, long completeNs, Outcome outcome, T value,
    String error) {

  enum Outcome {
    /** Acknowledged: it took effect (a read: it saw what {@code value} says). */
    OK,
    /** Definitely had no effect: refused before commit, rolled back, or a compare that did not match. */
    FAIL,
    /** May or may not have taken effect (the connection broke around the commit). */
    UNKNOWN
  }

  boolean ok() {
    return outcome == Outcome.OK;
  }

  /** Real-time order: this op completed before {@code other} was invoked. */
  boolean before(Op<?> other) {
    return outcome != Outcome.UNKNOWN && completeNs < other.invokeNs;
  }

  @Override
  public String toString() {
    return "#" + index + " p" + process + "@" + node + " [" + invokeNs / 1_000_000 + "-"
        + (outcome == Outcome.UNKNOWN ? "?" : Long.toString(completeNs / 1_000_000)) + " ms] " + outcome + " " + value
        + (error == null ? "" : " (" + error + ")");
  }
}
