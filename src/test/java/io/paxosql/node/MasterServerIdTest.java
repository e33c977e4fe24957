package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.paxos.Ballot;
import org.junit.jupiter.api.Test;

/** The master's server id stays in MariaDB's range whatever the epoch (issue 15: epochs must not overflow). */
class MasterServerIdTest {

  private static long epoch(long round, int node) {
    return round * 4096 + node;
  }

  @Test
  void everyEpochUpToTheRoundLimitGivesAMasterIdMariaDbTakes() {
    long[] epochs = {epoch(1, 1), epoch(976_562, 3), epoch(976_563, 1), epoch(1L << 32, 2),
        epoch(Ballot.MAX_ROUND, 4095), Long.MAX_VALUE};
    for (long e : epochs) {
      long id = NodeWiring.masterServerId(e);
      assertTrue(id >= 4096 && id < NodeWiring.MAX_EPOCH_SERVER_ID, "epoch " + e + " gave server id " + id);
    }
  }

  @Test
  void consecutiveLeadershipsWriteUnderDifferentIds() {
    for (long round : new long[] {1, 976_562, 1L << 40, Ballot.MAX_ROUND - 1}) {
      assertNotEquals(NodeWiring.masterServerId(epoch(round, 1)), NodeWiring.masterServerId(epoch(round + 1, 1)));
      assertNotEquals(NodeWiring.masterServerId(epoch(round, 1)), NodeWiring.masterServerId(epoch(round, 2)));
    }
  }

  @Test
  void followerAndReplicationIdsNeverCollideWithAMaster() {
    long id = NodeWiring.masterServerId(epoch(1, 1));
    assertTrue(id > 4095);
    assertThrows(IllegalArgumentException.class, () -> NodeWiring.masterServerId(0));
  }
}
