package io.paxosql.node.mariadb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Role SQL against real servers: health, GTID positions, read_only, semi-sync, following a master. */
class MariaDbControlIntegrationTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();
  private Vertx vertx;

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private MariaDbControl control(MariaDbServer s) {
    return new MariaDbControl(vertx, "127.0.0.1", s.port(), "root", "");
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(90, TimeUnit.SECONDS);
  }

  @Test
  void followerFollowsByGtidAndReportsItsReplica() throws Exception {
    MariaDbServer a = servers.start("ctl-a");
    MariaDbServer b = servers.start("ctl-b");
    MariaDbControl ca = control(a);
    MariaDbControl cb = control(b);

    await(ca.ensureLocalUser("repl", "127.0.0.1", "pa'ss\\word", "REPLICATION SLAVE, BINLOG MONITOR"));
    assertEquals("", await(ca.gtidBinlogPos()), "a local account leaves no GTID behind");

    await(cb.setReadOnly(true));
    assertTrue(await(cb.readOnly()));
    await(cb.follow("127.0.0.1", a.port(), "repl", "pa'ss\\word"));
    try (Connection c = Sql.root(a)) {
      Sql.exec(c, "CREATE DATABASE d");
      Sql.exec(c, "CREATE TABLE d.t (k INT PRIMARY KEY)");
      Sql.exec(c, "INSERT INTO d.t VALUES (1)");
    }
    String pos = await(ca.gtidBinlogPos());
    assertTrue(await(cb.waitForGtid(pos, Duration.ofSeconds(60))), "replica reached " + pos);
    assertEquals(pos, await(cb.gtidSlavePos()));
    MariaDbControl.ReplicaStatus st = await(cb.replicaStatus()).orElseThrow();
    assertTrue(st.ioRunning() && st.sqlRunning(), st.toString());
    assertEquals("", st.lastSqlError());
    // The monitor's reads, each two statements in one round trip.
    MariaDbControl.Applied applied = await(cb.applied());
    assertEquals(pos, applied.gtidBinlogPos(), "b logs what it applies (log_slave_updates)");
    assertEquals(st.ioRunning(), applied.replica().orElseThrow().ioRunning());
    assertEquals(pos, await(ca.applied()).gtidBinlogPos());
    assertTrue(await(ca.applied()).replica().isEmpty(), "a has no replica configured");
    ReplicaConnections dumps = await(ca.replicaConnections());
    assertEquals(1, dumps.dumps().size(), "b's IO thread is a's one dump: " + dumps);
    assertEquals("repl", dumps.dumps().get(0).user());
    assertEquals(0, dumps.semiSyncClients().orElseThrow(), "b is no semi-sync client");
    assertTrue(await(cb.replicaConnections()).dumps().isEmpty());
    // The cheap look: the same dump, no count.
    ReplicaConnections cheap = await(ca.dumpConnections());
    assertEquals(dumps.dumps(), cheap.dumps());
    assertTrue(cheap.semiSyncClients().isEmpty());
    assertTrue(await(cb.dumpConnections()).dumps().isEmpty(), "b's own IO and SQL threads are no dumps");

    String ahead = pos.substring(0, pos.lastIndexOf('-') + 1) + "999";
    assertFalse(await(cb.waitForGtid(ahead, Duration.ofMillis(300))), "times out on a GTID never written");
    assertThrows(IllegalArgumentException.class, () -> await(cb.waitForGtid("0-1-1'; DROP", Duration.ofSeconds(1))));

    await(cb.stopReplica());
    assertTrue(await(cb.replicaStatus()).isEmpty());
    ca.close();
    cb.close();
  }

  @Test
  void semiSyncMasterSettingsNeverFallBackQuickly() throws Exception {
    MariaDbServer a = servers.start("ctl-semi");
    MariaDbControl ca = control(a);
    await(ca.enableSemiSyncMaster());
    try (Connection c = Sql.root(a)) {
      assertEquals(1, Sql.queryLong(c, "SELECT @@rpl_semi_sync_master_enabled"));
      assertEquals("AFTER_SYNC", Sql.queryString(c, "SELECT @@rpl_semi_sync_master_wait_point"));
      assertEquals(MariaDbControl.SEMI_SYNC_TIMEOUT_MS, Sql.queryLong(c, "SELECT @@rpl_semi_sync_master_timeout"));
      assertEquals(List.of(), await(ca.semiSyncSettings()).problems(), "the settings a master keeps");
      // What root can change behind the node's back, each read back as a problem.
      Sql.exec(c, "SET GLOBAL rpl_semi_sync_master_wait_point='AFTER_COMMIT'");
      Sql.exec(c, "SET GLOBAL rpl_semi_sync_master_timeout=10000");
      Sql.exec(c, "SET GLOBAL rpl_semi_sync_master_wait_no_slave=OFF");
      Sql.exec(c, "SET GLOBAL rpl_semi_sync_master_enabled=OFF");
      assertEquals(new SemiSyncSettings(false, "AFTER_COMMIT", 10000, false), await(ca.semiSyncSettings()));
      assertEquals(4, await(ca.semiSyncSettings()).problems().size());
    }
    await(ca.enableSemiSyncMaster());
    assertEquals(List.of(), await(ca.semiSyncSettings()).problems(), "enableSemiSyncMaster puts every one back");
    await(ca.disableSemiSyncMaster());
    ca.close();
  }

  @Test
  void probeTellsDownAndHungApart() throws Exception {
    MariaDbServer a = servers.start("ctl-probe");
    MariaDbControl ca = control(a);
    await(ca.probe(Duration.ofSeconds(5)));

    long pid = a.pid().orElseThrow();
    new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
    try {
      Exception hung = assertThrows(Exception.class, () -> await(ca.probe(Duration.ofMillis(500))));
      assertTrue(hung.getMessage().contains("no answer within 500 ms"), hung.getMessage());
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
    }

    a.kill();
    Exception down = assertThrows(Exception.class, () -> await(ca.probe(Duration.ofSeconds(5))));
    assertTrue(down.getMessage().contains("SELECT 1 failed"), down.getMessage());
    ca.close();
  }
}
