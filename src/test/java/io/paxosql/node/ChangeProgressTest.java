package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** add-member's catch-up progress counts log bytes replayed and still lacking, not file sizes on disk. */
class ChangeProgressTest {

  @Test
  void bytesRateAndEtaFollowTheJoinersReplayFromWhereItStarted() {
    // The joiner's log ends at 1,000 (it was seeded there); the master's at 11,000; 2 KB per instance.
    ChangeProgress p = ChangeProgress.start("add-member 4", 0).phase("catching-up", "replaying");
    p = p.sample(1_000, 11_000, 2_000, 0);
    assertEquals(0, p.bytes());
    assertEquals(20_000_000, p.totalBytes());
    assertEquals(0.0, p.percent());
    assertEquals(-1, p.etaSeconds(), "no rate yet");

    // Two seconds later it holds 5,000 more: 10 MB of 20 MB at 5 MB/s, 2 s left.
    p = p.sample(6_000, 11_000, 2_000, 2);
    assertEquals(10_000_000, p.bytes());
    assertEquals(20_000_000, p.totalBytes());
    assertEquals(50.0, p.percent());
    assertEquals(5_000_000, p.rateBytesPerSec(), 1);
    assertEquals(2, p.etaSeconds());
    assertEquals(5_000, p.joinerBehindInstances());
    assertTrue(p.describe().startsWith("50% 10.0 of 20.0 MB, 5.0 MB/s, ETA 2 s"), p.describe());

    // The master wrote meanwhile: the total grows with what the joiner still lacks.
    p = p.sample(11_000, 12_000, 2_000, 2);
    assertEquals(20_000_000, p.bytes());
    assertEquals(22_000_000, p.totalBytes());
    assertEquals(1_000, p.joinerBehindInstances());
    assertEquals(Long.valueOf(22_000_000), p.toJson(0).getLong("totalBytes"));

    // Caught up: 100%, nothing left.
    p = p.sample(12_000, 12_000, 2_000, 1);
    assertEquals(100.0, p.percent());
    assertEquals(0, p.etaSeconds());
  }
}
