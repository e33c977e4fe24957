package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
    assertEquals(new Ballot(2, 1), lease.holder(T0 + 4 * TICK));
    assertFalse(lease.holds(T0 + 5 * TICK), "the core still says held, but its lease ended in wall time");
  }

  @Test
  void noLeaseOrNoStatusIsNotHeld() {
    WallClockLease lease = new WallClockLease(TICK);
    lease.start(T0);
    assertFalse(lease.holds(T0), "nothing noted yet");
    lease.note(leader(3, 3));
    assertFalse(lease.holds(T0));
    assertNull(lease.holder(T0));
  }

  @Test
  void aStallThatEndsTheLeaseIsNotReadAsHeldBeforeTheDriverPublishesTheNewStatus() {
    WallClockLease lease = new WallClockLease(TICK);
    lease.start(T0);
    lease.note(leader(30, 0));
    assertTrue(lease.holds(T0 + TICK));
    // The JVM stops for 300 ticks. On resume the tick timer catches up, the core steps down and the
    // view is noted at once, but the driver publishes the FOLLOWER status only when its next Ready is
    // taken, which waits while the Ready in flight is persisted: meanwhile readers hold the old status.
    long resumed = T0 + 300 * TICK;
    assertEquals(300, lease.dueTicks(resumed));
    lease.note(new Status(PaxosRole.FOLLOWER, new Ballot(2, 1), 2, -1, 0, 300));
    assertFalse(lease.holds(resumed + TICK), "a lease that ended 270 ticks ago is not held");
    assertNull(lease.holder(resumed + TICK));
  }
}
