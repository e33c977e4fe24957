package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RetentionHoldsTest {

  @Test
  void theLowestOpenHoldCountsUntilReleased() {
    RetentionHolds holds = new RetentionHolds();
    assertTrue(holds.lowest().isEmpty());
    RetentionHolds.Hold a = holds.hold(500, "donor for node 4");
    RetentionHolds.Hold b = holds.hold(300, "backup");
    assertEquals(OptionalLong.of(300), holds.lowest());
    b.moveTo(700);
    assertEquals(OptionalLong.of(500), holds.lowest());
    a.close();
    assertEquals(OptionalLong.of(700), holds.lowest());
    assertEquals("backup", holds.list().get(0).reason());
    b.close();
    b.close();
    assertTrue(holds.lowest().isEmpty());
    a.moveTo(1);   // a released hold stays released
    assertTrue(holds.lowest().isEmpty());
  }

  @Test
  void aHoldMustSayWhy() {
    assertThrows(IllegalArgumentException.class, () -> new RetentionHolds().hold(1, " "));
  }
}
