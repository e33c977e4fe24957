package io.paxosql.node.chain;

import io.paxosql.binlog.event.Gtid;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger log = LoggerFactory.getLogger(ProposalWindow.class);
  /** A transaction's records waiting for room in the window; each is encoded only when it is next. */
  private record Outgoing(Gtid gtid, Iterator<byte[]> records) {}

  private final ChosenLog chosen;
  private final Object lock;
  private final long maxInFlightBytes;
  private final BiConsumer<Gtid, Throwable> onFailed;
  private final ArrayDeque<Outgoing> toPropose = new ArrayDeque<>();
  /** The next record to propose, taken from the first queued transaction's records. */
  private byte[] head;
  private Gtid headGtid;
  private long inFlightBytes;

  /** @param onFailed told, outside the lock, when a record of a transaction could not be proposed */
  ProposalWindow(ChosenLog chosen, Object lock, long maxInFlightBytes, BiConsumer<Gtid, Throwable> onFailed) {
    this.chosen = chosen;
    this.lock = lock;
    this.maxInFlightBytes = maxInFlightBytes;
    this.onFailed = onFailed;
  }

  /** Queues the records of {@code gtid}'s transaction; {@link #proposeQueued} sends them. Call under the lock. */
  void add(Gtid gtid, Iterator<byte[]> records) {
    toPropose.add(new Outgoing(gtid, records));
  }

  /** Forgets the records not yet proposed (their epoch ended). Call under the lock. */
  void clear() {
    toPropose.clear();
    head = null;
    headGtid = null;
  }

  /** Proposes queued records in order while the window has room. Call under the lock. */
  void proposeQueued() {
    while (peek() && (inFlightBytes == 0 || inFlightBytes + head.length <= maxInFlightBytes)) {
      byte[] bytes = head;
      Gtid gtid = headGtid;
      head = null;
      inFlightBytes += bytes.length;
      chosen.propose(bytes).onComplete(ar -> {
        synchronized (lock) {
          inFlightBytes -= bytes.length;
          proposeQueued();
        }
        if (ar.failed()) {
          onFailed.accept(gtid, ar.cause());
        }
      });
    }
  }

  /** Makes {@link #head} the next record to propose, if there is one. */
  private boolean peek() {
    while (head == null && !toPropose.isEmpty()) {
      Outgoing o = toPropose.peek();
      try {
        if (o.records().hasNext()) {
          head = o.records().next();
          headGtid = o.gtid();
          continue;
        }
      } catch (RuntimeException e) {
        // Its append already failed (a part's proposal did) and the capture let go of its spooled events.
        log.warn("the rest of transaction {} is not proposed: {}", o.gtid(), e.getMessage());
      }
      toPropose.poll();
    }
    return head != null;
  }
}
