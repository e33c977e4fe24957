package io.paxosql.node;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import java.util.ArrayDeque;

/**
 * How far this node's MariaDB is behind the chain, in time: the age of the oldest transaction
 * the local chain accepted that MariaDB had not applied when last observed. Transactions accepted
 * since that observation count as unapplied, so the figure is an upper bound, too high by at most
 * the observation period. Thread-safe; clock passed in (nanoseconds).
 */
final class ReplicaLag {
  private record Accepted(Gtid gtid, long atNanos) {}

  private final ArrayDeque<Accepted> unapplied = new ArrayDeque<>();

  /** The local chain accepted {@code gtid} at {@code nanos}. */
  synchronized void accepted(Gtid gtid, long nanos) {
    unapplied.addLast(new Accepted(gtid, nanos));
  }

  /** MariaDB was observed to have applied {@code applied}. */
  synchronized void applied(GtidState applied) {
    // The chain is applied in order per domain: drop covered transactions from the oldest end.
    while (!unapplied.isEmpty() && applied.covers(unapplied.peekFirst().gtid())) {
      unapplied.removeFirst();
    }
  }

  /** Milliseconds the oldest unapplied transaction has waited at {@code nowNanos}; 0 if none. */
  synchronized long lagMs(long nowNanos) {
    Accepted oldest = unapplied.peekFirst();
    return oldest == null ? 0 : Math.max(0, (nowNanos - oldest.atNanos()) / 1_000_000L);
  }

  synchronized int unappliedCount() {
    return unapplied.size();
  }
}
