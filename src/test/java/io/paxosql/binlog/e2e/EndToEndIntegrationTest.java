package io.paxosql.binlog.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import java.sql.Connection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Real MariaDB A → capture → log → binlog server → real MariaDB B, with a mixed concurrent workload. */
// the slow-tagged 50 MB transaction goes through capture, log and replica.
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class EndToEndIntegrationTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();

  @Test
  void mixedConcurrentWorkloadArrivesWholeAndBEqualsA() throws Exception {
    try (Rig rig = new Rig().master(servers).capture(log -> log::append).binlogServer().replica(servers)) {
      long seed = Workload.mixed(rig.a);
      Rig.awaitCaughtUp(rig.a, rig.b, 60);
      assertSameData(rig, "seed " + seed);
      assertTrue(rig.capture.acksSent() > 0, "the capture ACKed the master");
      try (Connection b = Sql.root(rig.b)) {
        // B asked for MASTER_HEARTBEAT_PERIOD=1: an idle binlog server must send heartbeats.
        String q = "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME="
            + "'SLAVE_RECEIVED_HEARTBEATS'";
        long before = Sql.queryLong(b, q);
        TimeUnit.MILLISECONDS.sleep(3500);
        assertTrue(Sql.queryLong(b, q) > before, "no heartbeat reached B while the log was idle");
      }
    }
  }

  static void assertSameData(Rig rig, String tag) throws Exception {
    Workload.assertSameData(rig.a, rig.b, tag);
  }

  @Test
  @Tag("slow")
  void aFiftyMegabyteTransactionReplicates() throws Exception {
    try (Rig rig = new Rig().master(servers).capture(log -> log::append).binlogServer().replica(servers)) {
      Workload.fiftyMegabyteTransaction(rig.a);
      Rig.awaitCaughtUp(rig.a, rig.b, 120);
      assertSameData(rig, "50 MB transaction");
      long biggest = rig.log.read(1, 1000).result().stream().mapToLong(e -> e.transaction().sizeBytes()).max()
          .orElse(0);
      assertTrue(biggest > 50_000_000L, "largest transaction in the log: " + biggest + " bytes");
    }
  }
}
