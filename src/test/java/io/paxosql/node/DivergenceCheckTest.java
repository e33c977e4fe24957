package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DivergenceCheckTest {
  private static Optional<String> evidence(String applied, String chain) {
    return DivergenceCheck.evidence(GtidState.parse(applied), GtidState.parse(chain), "", "");
  }

  @Test
  void aFollowerBehindOrEqualIsFineAndAnythingElseIsEvidence() {
    assertEquals(Optional.empty(), evidence("0-4097-5", "0-4097-9"));
    assertEquals(Optional.empty(), evidence("0-4097-9", "0-4097-9"));
    assertEquals(Optional.empty(), evidence("", "0-4097-9"));
    assertTrue(evidence("0-3-10", "0-4097-9").orElseThrow().contains("beyond the cluster's last transaction 0-4097-9"));
    assertTrue(evidence("0-3-9", "0-4097-9").orElseThrow().contains("where the cluster chose 0-4097-9"));
    assertTrue(evidence("0-4097-9,7-3-1", "0-4097-9").orElseThrow().contains("domain 7"));
    assertTrue(DivergenceCheck.evidence(GtidState.EMPTY, GtidState.EMPTY, "", "An attempt was made to binlog GTID "
        + "0-1-17 which would create an out-of-order sequence number").isPresent());
  }

  @Test
  void evidenceMustPersistBeforeItCounts() {
    DivergenceCheck check = new DivergenceCheck(3);
    GtidState ahead = GtidState.parse("0-3-10");
    GtidState chain = GtidState.parse("0-4097-9");
    assertTrue(check.observe(ahead, chain, "", "", true).isEmpty());
    assertTrue(check.observe(ahead, chain, "", "", true).isEmpty());
    assertTrue(check.observe(ahead, GtidState.parse("0-3-10"), "", "", true).isEmpty(), "the chain caught up: reset");
    assertTrue(check.observe(ahead, GtidState.parse("0-3-11"), "", "", true).isEmpty());
    assertTrue(check.observe(ahead, chain, "", "", true).isEmpty());
    assertTrue(check.observe(ahead, chain, "", "", true).isEmpty());
    assertTrue(check.observe(ahead, chain, "", "", true).isPresent());
  }

  @Test
  void nothingCountsWhileTheChainIsStillBeingRebuilt() {
    DivergenceCheck check = new DivergenceCheck(2);
    GtidState ahead = GtidState.parse("0-3-10");
    GtidState chain = GtidState.parse("0-4097-9");
    for (int i = 0; i < 10; i++) {
      assertTrue(check.observe(ahead, chain, "replica holds GTID 0-3-10 ... diverged", "", false).isEmpty());
    }
    assertTrue(check.observe(ahead, chain, "", "", true).isEmpty());
    assertTrue(check.observe(ahead, chain, "", "", true).isPresent());
  }
}
