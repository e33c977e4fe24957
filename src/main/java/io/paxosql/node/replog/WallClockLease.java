package io.paxosql.node.replog;

import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.Status;

/**
 * The core's lease seen in wall time. The core counts ticks and knows its lease only as of its last
 * tick; an event loop stalled since then (GC, an overloaded machine, a stopped JVM) must not make an
 * expired lease look held, nor slow the core's clock below real time. So this view keeps the wall time
 * of the core's current tick, says how many ticks are due, and maps the lease's end to wall time.
 *
 * <p>Whether the lease is held is decided from this view alone: the ballot that holds it and its end,
 * noted together from one status. Combining the view with a status published elsewhere is wrong: after
 * a stall the tick catch-up notes "no lease" at once, while the status its driver publishes still says
 * LEADER until the next Ready is taken (it may wait for a persist in flight), and readers in between
 * took the old status for a held lease (the chaos suite's stale linearizable read, seed 236325).
 *
 * <p>Times are {@link System#nanoTime()} values passed in by the caller, so the arithmetic can be tested
 * without a clock. {@link #dueTicks} and {@link #note} run on the node's context; the readers on any
 * thread.
 */
final class WallClockLease {
  /** A held lease: the ballot holding it and when it ends in wall time. */
  private record Held(Ballot ballot, long endsAtNanos) {}

  private final long tickNanos;
  /** The wall time of the core's current tick. */
  private long tickClock;
  /** The lease this node holds as last noted; null when it holds none. */
  private volatile Held held;

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

  /**
   * Takes the lease from the core's status {@code s}, which must be the core's status at its current
   * tick (the one {@link #dueTicks} last brought to wall time).
   */
  void note(Status s) {
    held = s.holdsLease() ? new Held(s.ballot(), tickClock + (s.leaseUntil() - s.now()) * tickNanos) : null;
  }

  /** The ballot of the lease held at {@code nowNanos}, or null when none is (never noted, lost, or ended). */
  Ballot holder(long nowNanos) {
    Held h = held;
    return h != null && nowNanos - h.endsAtNanos() < 0 ? h.ballot() : null;
  }

  /** Whether a lease is held at {@code nowNanos}. */
  boolean holds(long nowNanos) {
    return holder(nowNanos) != null;
  }

  /** For logs: the lease's ballot and wall-time end relative to {@code nowNanos}. */
  String describe(long nowNanos) {
    Held h = held;
    return h == null ? "no lease" : "lease of ballot " + h.ballot() + " ends in "
        + (h.endsAtNanos() - nowNanos) / 1_000_000 + " ms";
  }
}
