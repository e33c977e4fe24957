package io.paxosql.node.chain;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The chain states noted every {@code every} chosen instances, or once the chosen values since the last one
 * reach {@code everyBytes} bytes, between transactions, as candidate {@link ChainCheckpoint}s: the owner
 * persists the newest one its database has applied. Not thread-safe; the chain calls it under its own lock.
 *
 * <p>The byte rule is what keeps the Paxos log near its bound: retention never deletes at or after the
 * persisted checkpoint, so by count alone a log of big values (or a busy one) held a whole interval of
 * values beyond {@code log.retainBytes} (measured: 72-318 MB for a 64 MiB bound).
 */
final class CheckpointCandidates {
  /** Candidates kept while the database lags; beyond it the newest is replaced. */
  private static final int MAX_CANDIDATES = 64;

  private final long every;
  private final long everyBytes;
  private final ArrayDeque<ChainCheckpoint> candidates = new ArrayDeque<>();
  private long lastInstance = Long.MIN_VALUE;
  /** Bytes of chosen values since the last candidate (or the start). */
  private long bytesSince;

  /**
   * @param every      chosen instances between two candidates at most
   * @param everyBytes bytes of chosen values between two candidates at most ({@link Long#MAX_VALUE}: by count only)
   */
  CheckpointCandidates(long every, long everyBytes) {
    if (every <= 0) {
      throw new IllegalArgumentException("checkpointEvery must be > 0, got " + every);
    }
    if (everyBytes <= 0) {
      throw new IllegalArgumentException("checkpointBytes must be > 0, got " + everyBytes);
    }
    this.every = every;
    this.everyBytes = everyBytes;
  }

  /** The chain starts at {@code from}: the next candidate comes a full interval after it. */
  void startAt(LogPosition from) {
    lastInstance = from.instance();
    bytesSince = 0;
  }

  /**
   * The chain stands at {@code state} after the entry at {@code at}, of {@code bytes} bytes; notes a candidate
   * when one is due. A split transaction's parts count, and the candidate comes after its last part.
   */
  void note(LogPosition at, int bytes, ChainState state) {
    bytesSince += bytes;
    if (state.open() != null) {
      return;
    }
    if (lastInstance == Long.MIN_VALUE) {
      lastInstance = at.instance();   // the first candidate comes a full interval in
      bytesSince = 0;
      return;
    }
    if (at.instance() - lastInstance < every && bytesSince < everyBytes) {
      return;
    }
    lastInstance = at.instance();
    bytesSince = 0;
    ChainCheckpoint c = new ChainCheckpoint(new LogPosition(at.instance(), at.index() + 1), state);
    if (candidates.size() >= MAX_CANDIDATES) {
      candidates.pollLast();
    }
    candidates.addLast(c);
  }

  /** The newest candidate whose transactions {@code applied} (the database's GTID position) all covers. */
  Optional<ChainCheckpoint> coveredBy(GtidState applied) {
    ChainCheckpoint best = null;
    for (ChainCheckpoint c : candidates) {
      if (covers(applied, c.state().gtids())) {
        best = c;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Drops the candidates at or before {@code cp}, which is now durable. */
  void dropThrough(ChainCheckpoint cp) {
    while (!candidates.isEmpty() && candidates.peekFirst().next().compareTo(cp.next()) <= 0) {
      candidates.pollFirst();
    }
  }

  private static boolean covers(GtidState applied, GtidState chain) {
    for (Gtid g : chain.gtids()) {
      if (!applied.covers(g)) {
        return false;
      }
    }
    return true;
  }
}
