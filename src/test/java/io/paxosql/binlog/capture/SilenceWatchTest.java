package io.paxosql.binlog.capture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SilenceWatchTest {
  private static final long MS = 1_000_000L;
  private static final long PERIOD = 1000 * MS;

  @Test
  void aSilentMasterIsDroppedAfterThreeOnTimeTicks() {
    SilenceWatch w = new SilenceWatch(PERIOD, 0);
    assertFalse(w.tick(PERIOD));
    assertFalse(w.tick(2 * PERIOD));
    assertTrue(w.tick(3 * PERIOD), "three periods without a packet on a loop that ran on time");
  }

  @Test
  void aPacketStartsTheCountAgain() {
    SilenceWatch w = new SilenceWatch(PERIOD, 0);
    assertFalse(w.tick(PERIOD));
    assertFalse(w.tick(2 * PERIOD));
    w.packet();
    assertFalse(w.tick(3 * PERIOD));
    assertFalse(w.tick(4 * PERIOD));
    assertFalse(w.tick(5 * PERIOD));
    assertTrue(w.tick(6 * PERIOD));
  }

  /** The case met under load: the loop blocked for 5 s, then the fixed-rate timer ran its missed ticks at once. */
  @Test
  void ticksOfAStarvedLoopJudgeNothing() {
    SilenceWatch w = new SilenceWatch(PERIOD, 0);
    w.packet();
    assertFalse(w.tick(PERIOD));
    long late = 6 * PERIOD + 10 * MS;
    assertFalse(w.tick(late), "late by 4 periods");
    for (int i = 1; i <= 4; i++) {
      assertFalse(w.tick(late + i * MS), "catch-up tick " + i);
    }
    w.packet();   // what waited in the socket is read once the loop runs
    assertFalse(w.tick(late + PERIOD));
  }

  @Test
  void aSilentMasterIsStillDroppedOnceTheLoopRunsOnTimeAgain() {
    SilenceWatch w = new SilenceWatch(PERIOD, 0);
    long t = 5 * PERIOD;
    assertFalse(w.tick(t));
    for (int i = 1; i <= 2; i++) {
      assertFalse(w.tick(t + i * PERIOD));
    }
    assertTrue(w.tick(t + 3 * PERIOD));
  }

  @Test
  void refusesANonPositivePeriod() {
    assertThrows(IllegalArgumentException.class, () -> new SilenceWatch(0, 0));
  }
}
