package io.paxosql.log;

/**
 * What the log's threads publish to each other: the writer advances the durable end and retention the
 * first retained instance; the reader and the owner read both without waiting for the writer. Halted is
 * set by {@link PaxosLog#halt()} or by a writer that failed, after which nothing more is written.
 */
final class LogStatus {
  private volatile long firstRetained;
  private volatile long chosenBelow;
  private volatile boolean halted;
  private volatile long heldBytes;

  LogStatus(long firstRetained, long chosenBelow) {
    this.firstRetained = firstRetained;
    this.chosenBelow = chosenBelow;
  }

  long firstRetained() {
    return firstRetained;
  }

  void firstRetained(long first) {
    firstRetained = first;
  }

  /** One past the last chosen instance that is durable. */
  long chosenBelow() {
    return chosenBelow;
  }

  void chosenBelow(long end) {
    chosenBelow = end;
  }

  /** Bytes of entries in the roll files held. */
  long heldBytes() {
    return heldBytes;
  }

  void heldBytes(long bytes) {
    heldBytes = bytes;
  }

  boolean halted() {
    return halted;
  }

  void halt() {
    halted = true;
  }
}
