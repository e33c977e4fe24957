package io.paxosql.node.seed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SeedProgressTest {
  private static final long S = 1_000_000_000L;

  @Test
  void percentRateAndEtaFollowTheStream() {
    SeedProgress p = new SeedProgress();
    p.begin("test", 0);
    assertEquals(SeedPhase.CHOOSING_DONOR, p.phase());
    assertEquals(0, p.mbPerSecond(5 * S));
    p.streaming(2, 100_000_000, 10 * S);
    p.add(25_000_000);
    assertEquals(25.0, p.percent(), 1e-9);
    assertEquals(5.0, p.mbPerSecond(15 * S), 1e-9);
    assertEquals(15, p.etaSeconds(15 * S));
    p.add(75_000_000);
    p.phase(SeedPhase.PREPARING, 30 * S);
    assertEquals(100.0, p.percent(), 1e-9);
    assertEquals(5.0, p.mbPerSecond(99 * S), 1e-9, "the rate is the stream's, frozen at its end");
    assertEquals(-1, p.etaSeconds(99 * S));
  }

  @Test
  void aFailureKeepsItsReasonForTheNextAttempt() {
    SeedProgress p = new SeedProgress();
    p.begin("first", 0);
    p.failed("seeding from node 1 failed: gone", S);
    p.begin("second", 2 * S);
    assertEquals("seeding from node 1 failed: gone", p.lastError());
    assertEquals("second", p.toJson(3 * S).getString("reason"));
  }
}
