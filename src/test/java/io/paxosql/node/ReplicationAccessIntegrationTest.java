package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Only the master's capture can replicate from it (issue 15, "only us"). A real three-node cluster: root
 * and the application's accounts cannot register as a replica or ask for a binlog dump (MariaDB refuses
 * without REPLICATION SLAVE, which only the replication account holds), nor hand the privilege out; and a
 * commit on the master still waits for the cluster. An account given the privilege by hand behind the
 * node's back is {@link OnlyUsIntegrationTest}'s case.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ReplicationAccessIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ReplicationAccessIntegrationTest.class);
  private ClusterHarness cluster;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void onlyTheCaptureReplicatesAndCommitsWaitForTheCluster() throws Exception {
    cluster = new ClusterHarness(3);
    int master = cluster.bootstrap("CREATE DATABASE app", "CREATE TABLE app.t (id BIGINT PRIMARY KEY)");
    int port = cluster.configs.get(master - 1).mariadb().port();

    // Root may not give anyone the privilege, not even by ALL PRIVILEGES ON *.*: MariaDB lets an
    // account grant only what it holds.
    try (Connection c = cluster.rw(master)) {
      Sql.exec(c, "CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw'");
      assertEquals(1045, assertThrows(SQLException.class,
          () -> Sql.exec(c, "GRANT ALL PRIVILEGES ON *.* TO 'app'@'%'")).getErrorCode());
      assertEquals(1045, assertThrows(SQLException.class,
          () -> Sql.exec(c, "GRANT REPLICATION SLAVE ON *.* TO 'app'@'%'")).getErrorCode());
      Sql.exec(c, "GRANT ALL ON app.* TO 'app'@'%'");
    }

    // Root, an application account and a wrong replication password: each tries to attach as a
    // semi-sync replica and is refused. Root and app log in and are refused at the replica's first step.
    String repl = cluster.configs.get(master - 1).replication().user();
    assertRefused(port, "root", cluster.layout.rootPassword(), "COM_REGISTER_SLAVE failed: ERROR 1045");
    assertRefused(port, "app", "app-pw", "COM_REGISTER_SLAVE failed: ERROR 1045");
    assertRefused(port, repl, "not-the-password", "login to the master as " + repl + " failed: ERROR 1045");
    try (Connection c = cluster.direct(master)) {
      assertEquals(1, Sql.queryLong(c, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE "
          + "'Binlog Dump%'"), "the capture's dump alone");
      assertEquals("1", Sql.queryString(c, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE "
          + "VARIABLE_NAME='RPL_SEMI_SYNC_MASTER_CLIENTS'"));
    }

    cluster.execRw(master, "INSERT INTO app.t VALUES (1)", Duration.ofSeconds(30));

    // A commit on the master's own MariaDB waits for the cluster: with its peers cut off it is never
    // acknowledged, and the majority's new master does not have it.
    cluster.faults.isolate(master, List.of(1, 2, 3));
    CompletableFuture<Void> cutCommit = CompletableFuture.runAsync(() -> {
      try (Connection c = cluster.direct(master)) {
        Sql.exec(c, "INSERT INTO app.t VALUES (2)");
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    Retry.waitFor("a new master among the majority", Duration.ofSeconds(60),
        () -> cluster.master().filter(m -> m != master).isPresent());
    int next = cluster.master().orElseThrow();
    assertTrue(cutCommit.handle((v, e) -> e != null).get(60, TimeUnit.SECONDS), "the cut-off commit must fail");
    cluster.faults.heal();
    cluster.execRw(next, "INSERT INTO app.t VALUES (3)", Duration.ofSeconds(30));
    try (Connection c = cluster.direct(next)) {
      assertEquals(0, Sql.queryLong(c, "SELECT COUNT(*) FROM app.t WHERE id = 2"), "the cut-off commit");
      assertEquals(2, Sql.queryLong(c, "SELECT COUNT(*) FROM app.t WHERE id IN (1, 3)"));
    }
  }

  /** A semi-sync replica that logs in as {@code user} must fail with an error matching {@code expected}. */
  private void assertRefused(int port, String user, String password, String expected) throws Exception {
    Capture c = replica(port, user, password);
    c.start();
    try {
      Retry.waitFor(user + "'s replica refused", Duration.ofSeconds(30),
          () -> c.lastError() != null && c.lastError().contains(expected));
      log.info("{} refused: {}", user, c.lastError());
      assertEquals(0, c.transactions(), user + " received no transaction");
    } finally {
      c.stop().await(30, TimeUnit.SECONDS);
    }
  }

  /** A semi-sync replica that ACKs whatever it receives, as an intruder's would. */
  private Capture replica(int port, String user, String password) throws SQLException {
    String pos;
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/", "root",
        cluster.layout.rootPassword())) {
      pos = Sql.queryString(c, "SELECT @@GLOBAL.gtid_binlog_pos");
    }
    return new Capture(vertx, CaptureConfig.of("127.0.0.1", port, user, password, 4242, GtidState.parse(pos)),
        tx -> Future.succeededFuture());
  }
}
