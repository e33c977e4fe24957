package io.paxosql.node.chain;

import io.paxosql.binlog.event.Gtid;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The records this master queued for the Paxos log, proposed in order while fewer than
 * {@code maxInFlightBytes} are proposed and not yet chosen (always at least one). Every method runs under
 * {@code lock} (the chain's), so records reach the Paxos queue in chain order whichever thread appends: the
 * chain refuses interleaved parts. The bound keeps a 50 MB transaction from putting all its values in
 * flight at once, where the leader keeps, retransmits and every follower buffers each of them (measured:
 * with all 50 in flight a 2 GiB heap filled with copies of unanswered accepts, and lease renewals queued
 * behind them cost the leader its lease).
 */
final class ProposalWindow {
  /** A record waiting for room in the window. */
  private record Outgoing(Gtid gtid, byte[] bytes) {}

  private final ChosenLog chosen;
  private final Object lock;
  private final long maxInFlightBytes;
  private final BiConsumer<Gtid, Throwable> onFailed;
  private final ArrayDeque<Outgoing> toPropose = new ArrayDeque<>();
  private long inFlightBytes;

  /** @param onFailed told, outside the lock, when a record of a transaction could not be proposed */
  ProposalWindow(ChosenLog chosen, Object lock, long maxInFlightBytes, BiConsumer<Gtid, Throwable> onFailed) {
    this.chosen = chosen;
    this.lock = lock;
    this.maxInFlightBytes = maxInFlightBytes;
    this.onFailed = onFailed;
  }

  /** Queues the records of {@code gtid}'s transaction; {@link #proposeQueued} sends them. Call under the lock. */
  void add(Gtid gtid, List<byte[]> records) {
    for (byte[] bytes : records) {
      toPropose.add(new Outgoing(gtid, bytes));
    }
  }

  /** Forgets the records not yet proposed (their epoch ended). Call under the lock. */
  void clear() {
    toPropose.clear();
  }

  /** Proposes queued records in order while the window has room. Call under the lock. */
  void proposeQueued() {
    while (!toPropose.isEmpty() && (inFlightBytes == 0 || inFlightBytes + toPropose.peek().bytes().length
        <= maxInFlightBytes)) {
      Outgoing o = toPropose.poll();
      inFlightBytes += o.bytes().length;
      chosen.propose(o.bytes()).onComplete(ar -> {
        synchronized (lock) {
          inFlightBytes -= o.bytes().length;
          proposeQueued();
        }
        if (ar.failed()) {
          onFailed.accept(o.gtid(), ar.cause());
        }
      });
    }
  }
}
