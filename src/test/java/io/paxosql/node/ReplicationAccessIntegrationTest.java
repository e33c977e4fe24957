package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.EventKind;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Only the master's capture can replicate from it (issue 15, "only us"). A real three-node cluster: root
 * and the application's accounts cannot register as a replica or ask for a binlog dump (MariaDB refuses
 * without REPLICATION SLAVE, which only the replication account holds), nor hand the privilege out; a
 * commit on the master still waits for the cluster. Then, with a writer running through the RW ports, a
 * master whose MariaDB could release commits without the cluster resigns and fences, and every commit a
 * client got OK for survives: first root gives itself REPLICATION SLAVE behind the node's back (straight
 * into the grant table) and attaches a semi-sync replica that ACKs everything; then root turns semi-sync
 * off on the next master. Each time the master stops serving, another node takes over in a newer epoch,
 * the old master's MariaDB is fenced, a metric and a SECURITY event count it, and at the end every member
 * holds every acknowledged row. One cluster for all of it: starting one costs about a minute under load.
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
  void onlyTheCaptureReplicatesCommitsWaitForTheClusterAndABreachMakesTheMasterResign() throws Exception {
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
    cluster.awaitRoutesTo(next, Duration.ofSeconds(60));

    // Only us, with a writer running through the third node's RW port.
    ClusterRows rows = new ClusterRows(cluster, "w");
    rows.create(next, "INT");
    int via = 6 - master - next;
    Set<Long> acked = ConcurrentHashMap.newKeySet();
    AtomicBoolean going = new AtomicBoolean(true);
    Thread writer = rows.startWriter(() -> via, going::get, acked, new AtomicLong());
    try {
      Retry.waitFor("writes acknowledged", Duration.ofSeconds(60), () -> acked.size() >= 20);

      // Root writes the privilege straight into the grant table (what only root can do) and attaches a
      // replica that ACKs whatever it receives, before the cluster chose it.
      int nextPort = cluster.configs.get(next - 1).mariadb().port();
      try (Connection c = cluster.direct(next)) {
        Sql.exec(c, "SET SESSION sql_log_bin=0");
        Sql.exec(c, "UPDATE mysql.global_priv SET Priv=JSON_SET(Priv, '$.access', JSON_VALUE(Priv, '$.access') "
            + "| 524288) WHERE User='root'");
        Sql.exec(c, "FLUSH PRIVILEGES");
      }
      Capture intruder = replica(nextPort, "root", cluster.layout.rootPassword());
      long start = System.nanoTime();
      intruder.start();
      int second = awaitResignedAndReplaced(next, "foreign-replica", acked);
      log.info("intruder: master {} replaced by {} {} ms after the intruder started connecting; the intruder "
          + "sent {} ACKs; last error {}", next, second, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
          intruder.acksSent(), intruder.lastError());
      intruder.stop().await(30, TimeUnit.SECONDS);
      assertTrue(counter(next, "paxosql.foreign.replicas", null) >= 1, "the intruder was counted as cut off");

      // Root turns semi-sync off on the new master: its commits would go out without the cluster.
      try (Connection c = cluster.direct(second)) {
        Sql.exec(c, "SET GLOBAL rpl_semi_sync_master_enabled=0");
      }
      int third = awaitResignedAndReplaced(second, "semi-sync-settings", acked);
      log.info("semi-sync off: master {} replaced by {}", second, third);
    } finally {
      going.set(false);
      writer.join(60_000);
    }
    log.info("{} writes acknowledged in all", acked.size());
    rows.checksumEverywhere(List.of(1, 2, 3), acked);
  }

  /**
   * Waits for {@code master} to stop serving for {@code cause}, another node to serve in a newer epoch, the
   * old master's MariaDB to be fenced, and writes to go on; returns the new master.
   */
  private int awaitResignedAndReplaced(int master, String cause, Set<Long> acked) {
    long epoch = cluster.node(master).chain().state().epoch();
    Retry.waitFor("node " + master + " to stop being master", Duration.ofSeconds(60),
        () -> cluster.node(master).role() != NodeRole.MASTER);
    Retry.waitFor("another node as master of a newer epoch", Duration.ofSeconds(120), () -> cluster.master()
        .filter(m -> m != master && cluster.node(m).chain().state().epoch() > epoch).isPresent());
    int next = cluster.master().orElseThrow();
    Retry.waitFor("node " + master + " fenced and following", Duration.ofSeconds(120),
        () -> cluster.node(master).role() == NodeRole.FOLLOWER && journal(master, EventKind.FENCE, "fences its MariaDB"));
    assertTrue(journal(master, EventKind.SECURITY, "resigns as master"), "the resignation is a SECURITY event");
    assertTrue(counter(master, "paxosql.onlyus.resignations", cause) >= 1, "the resignation is counted as " + cause);
    int before = acked.size();
    Retry.waitFor("writes acknowledged by the new master", Duration.ofSeconds(60), () -> acked.size() >= before + 20);
    return next;
  }

  private boolean journal(int node, EventKind kind, String text) {
    return cluster.node(node).events().recent(EventJournal.DEFAULT_CAPACITY).stream()
        .anyMatch(e -> e.kind() == kind && e.message().contains(text));
  }

  private double counter(int node, String name, String cause) {
    var search = cluster.node(node).registry().find(name);
    Counter c = (cause == null ? search : search.tag("cause", cause)).counter();
    return c == null ? 0 : c.count();
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
