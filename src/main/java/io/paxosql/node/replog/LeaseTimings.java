package io.paxosql.node.replog;

import java.util.ArrayDeque;

/**
 * Timings of the lease's path through this node, per reporting window: how long a renewal took from the
 * moment the driver handed it to the transport until a peer's grant for it was stepped in (leader), the
 * longest gap between renewals stepped in (follower), and the longest time a Ready stayed with the log
 * together with its bytes. A lease lapses when these approach the lease; large values were seen to stretch
 * all three (bench/RESULTS.md, issue 16, large transactions). Plain logic, times in nanoseconds given by
 * the caller; on the node's context only.
 */
final class LeaseTimings {
  /** Renewals remembered for matching grants; older ones are forgotten (their grants count for nothing). */
  private static final int REMEMBERED = 64;

  private record Sent(long seq, long at) {}

  private final ArrayDeque<Sent> renewals = new ArrayDeque<>();
  private long lastRenewStepped = -1;
  private long maxGrantWait;
  private long maxRenewGap;
  private long maxPersist;
  private long maxPersistBytes;
  private long bigPersists;

  /** The leader sent renewal {@code seq} (once per sequence number, whatever the number of peers). */
  void renewSent(long seq, long now) {
    if (!renewals.isEmpty() && renewals.peekLast().seq() >= seq) {
      return;
    }
    renewals.addLast(new Sent(seq, now));
    if (renewals.size() > REMEMBERED) {
      renewals.removeFirst();
    }
  }

  /** A grant for renewal {@code seq} was stepped in. */
  void granted(long seq, long now) {
    for (Sent s : renewals) {
      if (s.seq() == seq) {
        maxGrantWait = Math.max(maxGrantWait, now - s.at());
        return;
      }
    }
  }

  /** A renewal from the leader was stepped in. */
  void renewStepped(long now) {
    if (lastRenewStepped >= 0) {
      maxRenewGap = Math.max(maxRenewGap, now - lastRenewStepped);
    }
    lastRenewStepped = now;
  }

  /** A Ready holding {@code bytes} of records took {@code nanos} from hand-over to durable. */
  void persisted(long bytes, long nanos, long bigBytes) {
    if (nanos > maxPersist) {
      maxPersist = nanos;
      maxPersistBytes = bytes;
    }
    if (bytes >= bigBytes) {
      bigPersists++;
    }
  }

  /**
   * The window's figures if any of them reached {@code notableNanos}, else null; starts a new window either way.
   */
  String takeReport(long notableNanos) {
    String r = null;
    if (maxGrantWait >= notableNanos || maxRenewGap >= notableNanos || maxPersist >= notableNanos) {
      r = String.format("renew->grant at most %d ms, gap between renewals heard at most %d ms, a Ready with the log"
          + " at most %d ms (%d KiB; %d Readys of big values)", maxGrantWait / 1_000_000, maxRenewGap / 1_000_000,
          maxPersist / 1_000_000, maxPersistBytes >> 10, bigPersists);
    }
    maxGrantWait = 0;
    maxRenewGap = 0;
    maxPersist = 0;
    maxPersistBytes = 0;
    bigPersists = 0;
    return r;
  }
}
