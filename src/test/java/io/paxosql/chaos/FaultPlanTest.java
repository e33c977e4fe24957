package io.paxosql.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fault schedule: reproducible from its seed, and every kind comes up before any kind repeats. */
class FaultPlanTest {

  @Test
  void theSameSeedGivesTheSameSchedule() {
    assertEquals(FaultPlan.generate(17, 3, 600_000), FaultPlan.generate(17, 3, 600_000));
    assertNotEquals(FaultPlan.generate(17, 3, 600_000), FaultPlan.generate(18, 3, 600_000));
  }

  @Test
  void everyKindComesUpBeforeAnyRepeats() {
    for (long seed = 1; seed <= 50; seed++) {
      FaultPlan plan = FaultPlan.generate(seed, 3, 3_600_000);
      int kinds = FaultPlan.Kind.values().length;
      assertTrue(plan.steps().size() >= 2 * kinds, "an hour holds at least two rounds of kinds");
      for (int round = 0; round < 2; round++) {
        Set<FaultPlan.Kind> seen = EnumSet.noneOf(FaultPlan.Kind.class);
        plan.steps().subList(round * kinds, (round + 1) * kinds).forEach(s -> seen.add(s.kind()));
        assertEquals(EnumSet.allOf(FaultPlan.Kind.class), seen, "seed " + seed + " round " + round);
      }
      for (FaultPlan.Step s : plan.steps()) {
        assertTrue(s.node() >= 0 && s.node() <= 3 && s.holdMs() >= 1_000 && s.gapMs() >= 4_000, s.toString());
      }
    }
  }
}
