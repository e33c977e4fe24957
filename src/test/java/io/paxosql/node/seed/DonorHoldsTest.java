package io.paxosql.node.seed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.replog.RetentionHolds;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A donor's log hold ends when its joiner caught up past it, by the fallback timeout, or when the backup failed. */
class DonorHoldsTest {
  private final RetentionHolds retention = new RetentionHolds();
  private final DonorHolds holds = new DonorHolds();

  private DonorHolds.Pending send(int joiner, long instance) {
    return holds.await(joiner, instance, retention.hold(instance, "seeding node " + joiner), 0);
  }

  @Test
  void theJoinerSayingItCaughtUpReleasesItsHoldAtOnce() {
    DonorHolds.Pending p = send(4, 1_000);
    assertEquals(OptionalLong.of(1_000), retention.lowest());
    assertEquals(List.of(), holds.caughtUp(5, 5_000), "another node's notice releases nothing");
    assertEquals(List.of(), holds.caughtUp(4, 999), "a notice below the hold (an older seed) releases nothing");
    assertEquals(OptionalLong.of(1_000), retention.lowest());
    assertEquals(List.of(p), holds.caughtUp(4, 1_000));
    assertEquals(OptionalLong.empty(), retention.lowest(), "the donor's log is free");
    assertFalse(holds.timedOut(p.id()), "the fallback finds nothing left to release");
    assertEquals(1, holds.ended(DonorHolds.Ending.CAUGHT_UP));
    assertEquals(0, holds.ended(DonorHolds.Ending.TIMED_OUT));
    assertTrue(holds.waiting().isEmpty());
  }

  @Test
  void aJoinerThatNeverSaysSoLosesItsHoldByTheFallbackOnly() {
    DonorHolds.Pending dead = send(4, 1_000);
    DonorHolds.Pending other = send(6, 2_000);
    assertTrue(holds.timedOut(dead.id()));
    assertFalse(holds.timedOut(dead.id()), "once");
    assertEquals(OptionalLong.of(2_000), retention.lowest(), "the other joiner's hold stays");
    assertEquals(List.of(other), holds.waiting());
    assertEquals(1, holds.ended(DonorHolds.Ending.TIMED_OUT));
    assertEquals(List.of(), holds.caughtUp(4, 10_000), "a late notice after the fallback releases nothing twice");
  }

  @Test
  void aJoinerSeededTwiceReleasesBothAndAFailedBackupIsCounted() {
    send(4, 1_000);
    send(4, 3_000);
    assertEquals(1, holds.caughtUp(4, 2_000).size(), "only the hold it caught up past");
    assertEquals(OptionalLong.of(3_000), retention.lowest());
    assertEquals(1, holds.caughtUp(4, 3_500).size());
    assertEquals(OptionalLong.empty(), retention.lowest());
    holds.failed(retention.hold(7, "seeding node 9"));
    assertEquals(OptionalLong.empty(), retention.lowest());
    assertEquals(1, holds.ended(DonorHolds.Ending.FAILED));
    assertEquals(2, holds.ended(DonorHolds.Ending.CAUGHT_UP));
  }
}
