package io.paxosql.node.chain;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The chain states noted every {@code every} chosen instances, between transactions, as candidate
 * {@link ChainCheckpoint}s: the owner persists the newest one its database has applied. Not thread-safe;
 * the chain calls it under its own lock.
 */
final class CheckpointCandidates {
  /** Candidates kept while the database lags; beyond it the newest is replaced. */
  private static final int MAX_CANDIDATES = 64;

  private final long every;
  private final ArrayDeque<ChainCheckpoint> candidates = new ArrayDeque<>();
  private long lastInstance = Long.MIN_VALUE;

  CheckpointCandidates(long every) {
    if (every <= 0) {
      throw new IllegalArgumentException("checkpointEvery must be > 0, got " + every);
    }
    this.every = every;
  }

  /** The chain starts at {@code from}: the next candidate comes a full interval after it. */
  void startAt(LogPosition from) {
    lastInstance = from.instance();
  }

  /** The chain stands at {@code state} after the entry at {@code at}; notes a candidate when one is due. */
  void note(LogPosition at, ChainState state) {
    if (state.open() != null || (lastInstance != Long.MIN_VALUE && at.instance() - lastInstance < every)) {
      return;
    }
    if (lastInstance == Long.MIN_VALUE) {
      lastInstance = at.instance();   // the first candidate comes a full interval in
      return;
    }
    lastInstance = at.instance();
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
