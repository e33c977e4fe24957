package io.paxosql.binlog.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** B keeps up through STOP/START SLAVE, a restart of its mariadbd and cut connections, with no gap or duplicate. */
class ReplicaRestartIntegrationTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();

  @Test
  void replicaResumesWithNoGapAndNoDuplicateAfterEveryKindOfInterruption() throws Exception {
    try (Rig rig = new Rig().master(servers).capture(log -> log::append).binlogServer().replica(servers)) {
      try (Connection a = Sql.root(rig.a)) {
        Sql.exec(a, "CREATE DATABASE r");
        Sql.exec(a, "CREATE TABLE r.t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB");
      }
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicLong written = new AtomicLong();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try (Connection a = Sql.root(rig.a)) {
          while (writing.get()) {
            long n = written.incrementAndGet();
            Sql.exec(a, "INSERT INTO r.t VALUES (" + n + ", 'row-" + n + "')");
            if (n % 7 == 0) {
              Sql.exec(a, "UPDATE r.t SET v = CONCAT(v, '+') WHERE id = " + (n - 3));
            }
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      awaitRows(rig, written, 50);
      try (Connection b = Sql.root(rig.b)) {
        Sql.exec(b, "STOP SLAVE");
        awaitRows(rig, written, written.get() + 30);
        Sql.exec(b, "START SLAVE");
      }
      awaitRows(rig, written, written.get() + 30);
      rig.b.stop();
      awaitRows(rig, written, written.get() + 30);
      rig.b.start();
      try (Connection b = Sql.root(rig.b)) {
        Sql.exec(b, "START SLAVE");
      }
      awaitRows(rig, written, written.get() + 30);
      rig.server.disconnectAll();
      awaitRows(rig, written, written.get() + 30);
      rig.capture.disconnect();
      awaitRows(rig, written, written.get() + 30);
      writing.set(false);
      writer.get(60, TimeUnit.SECONDS);

      Rig.awaitCaughtUp(rig.a, rig.b, 60);
      EndToEndIntegrationTest.assertSameData(rig, "after interruptions");
      try (Connection b = Sql.root(rig.b)) {
        assertEquals(written.get(), Sql.queryLong(b, "SELECT COUNT(*) FROM r.t"));
        String status = Rig.slaveStatus(b);
        assertTrue(status.contains("SQL=Yes") && status.endsWith("last_sql_error="), status);
      }
      assertTrue(rig.capture.lastError() == null || !rig.capture.lastError().contains("refused"),
          "the capture resumed without re-sending a confirmed transaction: " + rig.capture.lastError());
    }
  }

  private static void awaitRows(Rig rig, AtomicLong written, long target) throws Exception {
    for (int i = 0; i < 600 && written.get() < target; i++) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    if (written.get() < target) {
      try (Connection a = Sql.root(rig.a)) {
        throw new AssertionError("the writer on A stalled at " + written.get() + " rows (target " + target
            + "); capture: " + rig.capture.transactions() + " transactions, " + rig.capture.acksSent()
            + " ACKs, last error " + rig.capture.lastError() + "; A: " + Sql.queryString(a,
            "SELECT GROUP_CONCAT(CONCAT(VARIABLE_NAME, '=', VARIABLE_VALUE)) FROM information_schema.GLOBAL_STATUS"
                + " WHERE VARIABLE_NAME LIKE 'RPL_SEMI_SYNC_MASTER%'"));
      }
    }
  }
}
