package io.paxosql.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class TransferProgressTest {
  @Test
  void percentRateAndEtaForTheCard() {
    JsonObject j = new TransferProgress("seeding", "node 2", 250_000_000L, 1_000_000_000L, 50_000_000).toJson();
    assertEquals(25.0, j.getDouble("percent"));
    assertEquals(50.0, j.getDouble("mbPerSec"));
    assertEquals(15L, j.getLong("etaSeconds"));
  }

  @Test
  void unknownTotalGivesNoPercentAndNoEta() {
    JsonObject j = new TransferProgress("rebuild", "node 1", 10, -1, 0).toJson();
    assertEquals(null, j.getValue("percent"));
    assertEquals(-1L, j.getLong("etaSeconds"));
  }
}
