package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.mariadb.MariaDbControl.ReplicaStatus;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicaCatchUpTest {
  private static Optional<ReplicaStatus> status(String io, String sql, String ioError, String sqlError) {
    return Optional.of(new ReplicaStatus("Yes".equals(io), "No".equals(io), "Yes".equals(sql), "0-1-5", 0,
        ioError, sqlError));
  }

  @Test
  void aRunningOrReconnectingReplicaIsLeftAlone() {
    assertTrue(ReplicaCatchUp.stoppedBy(status("Yes", "Yes", "", "")).isEmpty());
    // Connecting keeps retrying by itself (e.g. while the binlog server restarts).
    assertTrue(ReplicaCatchUp.stoppedBy(status("Connecting", "Yes", "error reconnecting", "")).isEmpty());
  }

  @Test
  void aStoppedThreadIsNamedWithItsError() {
    assertEquals(Optional.of("IO thread stopped: Got fatal error 1236"),
        ReplicaCatchUp.stoppedBy(status("No", "Yes", "Got fatal error 1236", "")));
    assertEquals(Optional.of("IO thread stopped"), ReplicaCatchUp.stoppedBy(status("No", "No", "", "")));
    assertEquals(Optional.of("SQL thread stopped: Duplicate entry"),
        ReplicaCatchUp.stoppedBy(status("Yes", "No", "", "Duplicate entry")));
    assertEquals(Optional.of("no replica is configured"), ReplicaCatchUp.stoppedBy(Optional.empty()));
  }
}
