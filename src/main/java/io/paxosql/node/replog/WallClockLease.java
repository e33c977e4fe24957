package io.paxosql.node.replog;

import io.paxosql.paxos.Status;

/**
 * The core's lease seen in wall time. The core counts ticks and knows its lease only as of its last
 * tick; an event loop stalled since then (GC, an overloaded machine) must not make an expired lease look
 * held, nor slow the core's clock below real time. So this view keeps the wall time of the core's
 * current tick, says how many ticks are due, and maps the lease's end to wall time.
 *
 * <p>Times are {@link System#nanoTime()} values passed in by the caller, so the arithmetic can be tested
 * without a clock. {@link #dueTicks} and {@link #note} run on the node's context; {@link #holds} on any
 * thread.
 */
final class WallClockLease {
  private final long tickNanos;
  /** The wall time of the core's current tick. */
  private long tickClock;
  /** When the lease this node holds ends in wall time; Long.MIN_VALUE when it holds none. */
  private volatile long leaseEndsAtNanos = Long.MIN_VALUE;

  WallClockLease(long tickNanos) {
    this.tickNanos = tickNanos;
  }

  /** The core's tick 0 happens now. */
  void start(long nowNanos) {
    tickClock = nowNanos;
  }

  /**
   * How many ticks the core owes real time at {@code nowNanos}; they count as done. After a stall the
   * node ticks as often as it missed, so it never believes in a lease longer than its peers honour it
   * (the simulator's stalls show the lease overlapping without this: Simulator.resume).
   */
  long dueTicks(long nowNanos) {
    long due = (nowNanos - tickClock) / tickNanos;
    tickClock += due * tickNanos;
    return due;
  }

  /** Takes the lease's end from the core's latest status. */
  void note(Status s) {
    leaseEndsAtNanos = s.holdsLease() ? tickClock + (s.leaseUntil() - s.now()) * tickNanos : Long.MIN_VALUE;
  }

  /** Whether status {@code s} holds the lease and its end has not passed at {@code nowNanos}. */
  boolean holds(Status s, long nowNanos) {
    return s != null && s.holdsLease() && nowNanos - leaseEndsAtNanos < 0;
  }
}
