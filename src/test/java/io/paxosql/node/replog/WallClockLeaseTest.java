package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.PaxosRole;
import io.paxosql.paxos.Status;
import org.junit.jupiter.api.Test;

/** The lease view with wall times passed by hand: what a stalled event loop must not make it believe. */
class WallClockLeaseTest {
  private static final long TICK = 10_000_000L;
  private static final long T0 = 5_000_000_000L;

  private static Status leader(long leaseUntil, long now) {
    return new Status(PaxosRole.LEADER, new Ballot(2, 1), 1, leaseUntil, 0, now);
  }

  @Test
  void aStallOwesTheCoreEveryTickItMissedAndKeepsTheRemainder() {
    WallClockLease lease = new WallClockLease(TICK);
    lease.start(T0);
    assertEquals(0, lease.dueTicks(T0 + TICK / 2));
    assertEquals(1, lease.dueTicks(T0 + TICK));
    assertEquals(7, lease.dueTicks(T0 + 8 * TICK + TICK / 2), "seven missed while stalled");
    assertEquals(1, lease.dueTicks(T0 + 9 * TICK), "the half tick left over counts towards the next");
  }

  @Test
  void theLeaseEndsInWallTimeEvenIfNoTickHappensAfterIt() {
    WallClockLease lease = new WallClockLease(TICK);
    lease.start(T0);
    Status s = leader(5, 0);
    lease.note(s);
    assertTrue(lease.holds(s, T0 + 4 * TICK));
    assertFalse(lease.holds(s, T0 + 5 * TICK), "the core still says held, but its lease ended in wall time");
  }

  @Test
  void noLeaseOrNoStatusIsNotHeld() {
    WallClockLease lease = new WallClockLease(TICK);
    lease.start(T0);
    Status expired = leader(3, 3);
    lease.note(expired);
    assertFalse(lease.holds(expired, T0));
    assertFalse(lease.holds(null, T0));
  }
}
