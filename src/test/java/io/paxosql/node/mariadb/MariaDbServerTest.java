package io.paxosql.node.mariadb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The managed-server lifecycle against the real mariadbd: config, start, crash, restart, errors. */
class MariaDbServerTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();

  @Test
  void runsWithDurableReplicationSettingsAndSurvivesKillAndCleanStop() throws Exception {
    MariaDbServer server = servers.start("life", b -> b.set("read_only", "ON"));
    try (Connection c = Sql.root(server)) {
      assertEquals("ROW", Sql.queryString(c, "SELECT @@binlog_format"));
      assertEquals(1, Sql.queryLong(c, "SELECT @@sync_binlog"));
      assertEquals(1, Sql.queryLong(c, "SELECT @@innodb_flush_log_at_trx_commit"));
      assertEquals(1, Sql.queryLong(c, "SELECT @@gtid_strict_mode"));
      assertEquals(1, Sql.queryLong(c, "SELECT @@read_only"), "caller's option applied");
      assertEquals("CRC32", Sql.queryString(c, "SELECT @@binlog_checksum"));
      assertEquals("127.0.0.1", Sql.queryString(c, "SELECT @@bind_address"));
      Sql.exec(c, "CREATE DATABASE d");
      Sql.exec(c, "CREATE TABLE d.t (k INT PRIMARY KEY)");
      Sql.exec(c, "INSERT INTO d.t VALUES (1), (2)");
    }
    long pid = server.pid().orElseThrow();
    server.kill();
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "kill -9 ended the process");

    server.start();
    try (Connection c = Sql.root(server)) {
      assertEquals(2, Sql.queryLong(c, "SELECT COUNT(*) FROM d.t"), "committed rows survive a crash");
      assertEquals("AUTH_MASTER", statusValue(c, "Rpl_status"));
    }
    server.stop();
    server.start("--init-rpl-role=SLAVE");
    try (Connection c = Sql.root(server)) {
      assertEquals("IDLE_SLAVE", statusValue(c, "Rpl_status"), "extra start arguments reach mariadbd");
    }
    pid = server.pid().orElseThrow();
    server.stop();
    assertFalse(server.isRunning());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertTrue(ErrorLogTail.since(server.errorLog(), 0).contains("Shutdown complete"), "clean shutdown");
  }

  @Test
  void portInUseIsReportedByName() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      MariaDbServer server = servers.create("busy", b -> { });
      MariaDbServer clash = new MariaDbServer(MariaDbConfig.builder(server.baseDir(), taken.getLocalPort(), 7).build());
      clash.initDataDir();
      MariaDbStartException e = assertThrows(MariaDbStartException.class, clash::start);
      assertTrue(e.getMessage().contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"), e.getMessage());
      assertFalse(clash.isRunning());
    }
  }

  @Test
  void startFailureNamesTheCauseAndQuotesTheErrorLog() {
    MariaDbServer server = servers.create("bad", b -> { });
    server.initDataDir();
    MariaDbStartException e = assertThrows(MariaDbStartException.class,
        () -> server.start("--innodb-no-such-option=1"));
    assertTrue(e.getMessage().contains("mariadbd exited with code"), e.getMessage());
    assertTrue(e.getMessage().contains("is unknown to this mariadbd"), e.getMessage());
    assertTrue(e.getMessage().contains("innodb-no-such-option"), "error-log tail quoted: " + e.getMessage());
    assertFalse(server.isRunning());
  }

  @Test
  void unwritableBaseDirIsReported(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    MariaDbServer server = new MariaDbServer(MariaDbConfig.builder(file.resolve("db"), 3999, 1).build());
    MariaDbStartException e = assertThrows(MariaDbStartException.class, server::initDataDir);
    assertTrue(e.getMessage().contains("make sure the directory is writable"), e.getMessage());
  }

  @Test
  void missingProgramSaysRunMakeDeps() {
    MariaDbStartException e = assertThrows(MariaDbStartException.class,
        () -> MariaDbBinaries.require("mariadbd-that-does-not-exist"));
    assertTrue(e.getMessage().contains("run `make deps`"), e.getMessage());
  }

  /**
   * Issue 12: a signal to the node's process group (a terminal's Ctrl-C) must not reach MariaDB; the
   * server leads its own session, and the pid we hold is mariadbd's itself (setsid execs in place).
   */
  @Test
  void serverRunsInItsOwnSessionUnderItsOwnPid() throws Exception {
    MariaDbServer server = servers.start("session");
    long pid = server.pid().orElseThrow();
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    assertTrue(stat.contains("(mariadbd)"), "the pid is mariadbd's: " + stat);
    String[] afterComm = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long session = Long.parseLong(afterComm[3]);
    long group = Long.parseLong(afterComm[2]);
    assertEquals(pid, session, "mariadbd leads its own session: " + stat);
    assertEquals(pid, group, "and its own process group: " + stat);
    server.stop();
    String log = Files.readString(server.errorLog()).strip();
    assertTrue(log.endsWith("Shutdown complete"), "a clean stop: " + log.substring(Math.max(0, log.length() - 300)));
  }

  @Test
  void killLeftoverFindsAServerStartedByAnEarlierLife() throws Exception {
    MariaDbServer first = servers.start("leftover");
    long pid = first.pid().orElseThrow();
    // A new object for the same datadir stands for the restarted node process that lost its handle.
    MariaDbServer second = new MariaDbServer(first.config());
    assertTrue(second.killLeftover());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    first.kill();
  }

  private static String statusValue(Connection c, String name) throws Exception {
    try (var s = c.createStatement(); var rs = s.executeQuery("SHOW GLOBAL STATUS LIKE '" + name + "'")) {
      return rs.next() ? rs.getString(2) : null;
    }
  }
}
