package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.role.NodeRole;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Faults that are not whole-node crashes: a dead MariaDB, a partition, a commit cut off mid-ACK. */
// three nodes with real mariadbd per test, then a failover: up to 41 s seen, several times that under load.
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ClusterFaultsIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ClusterFaultsIntegrationTest.class);
  private ClusterHarness cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private int bootstrap() throws Exception {
    return bootstrap("");
  }

  private int bootstrap(String mariadbOptions) throws Exception {
    cluster = new ClusterHarness(3, "", id -> List.of(1, 2, 3), mariadbOptions);
    return cluster.bootstrap("CREATE DATABASE app", "CREATE TABLE app.t (id BIGINT PRIMARY KEY, v VARCHAR(64))",
        "INSERT INTO app.t VALUES (1, 'before')");
  }

  private long count(int node, String where) throws SQLException {
    try (Connection c = cluster.direct(node)) {
      return Sql.queryLong(c, "SELECT COUNT(*) FROM app.t WHERE " + where);
    }
  }

  private void awaitRow(int node, long id) throws InterruptedException {
    Retry.waitFor("row " + id + " on node " + node, Duration.ofSeconds(60), () -> {
      try {
        return count(node, "id = " + id) == 1;
      } catch (SQLException e) {
        return false;
      }
    });
  }

  private static List<Integer> others(int node) {
    return List.of(1, 2, 3).stream().filter(n -> n != node).toList();
  }

  @Test
  void aMasterWhoseMariaDbDiesResignsFencesAndRejoins() throws Exception {
    int master = bootstrap();
    long oldEpoch = cluster.node(master).chain().state().epoch();
    long before = System.nanoTime();
    cluster.node(master).mariadb().server().kill();
    // A master of a new epoch: another node, or this one again once fenced and caught up.
    Retry.waitFor("a master of a new epoch", Duration.ofSeconds(30), () -> cluster.master()
        .filter(m -> cluster.node(m).chain().state().epoch() > oldEpoch && cluster.node(m).chain().state().masterNode() == m)
        .isPresent());
    int next = cluster.master().orElseThrow();
    log.info("failover after the master's mariadbd died: node {} -> node {} in {} ms", master, next,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before));
    cluster.execRw(master, "INSERT INTO app.t VALUES (2, 'after')", Duration.ofSeconds(20));
    Retry.waitFor("old master serves again", Duration.ofSeconds(60),
        () -> cluster.node(master).role() == NodeRole.FOLLOWER || cluster.node(master).role() == NodeRole.MASTER);
    for (int n = 1; n <= 3; n++) {
      awaitRow(n, 1);
      awaitRow(n, 2);
    }
  }

  @Test
  void anIsolatedMasterStopsWritingAndTheMajorityTakesOver() throws Exception {
    int master = bootstrap();
    cluster.faults.isolate(master, List.of(1, 2, 3));
    Retry.waitFor("the isolated master gives up", Duration.ofSeconds(30),
        () -> cluster.node(master).role() != NodeRole.MASTER);
    Retry.waitFor("a majority master", Duration.ofSeconds(30),
        () -> cluster.master().filter(m -> m != master).isPresent());
    int next = cluster.master().orElseThrow();
    cluster.execRw(others(master).get(0), "INSERT INTO app.t VALUES (3, 'majority')", Duration.ofSeconds(20));
    // Through the isolated node nothing can commit: its proxy has no master it can vouch for.
    assertThrows(SQLException.class, () -> {
      try (Connection c = cluster.rw(master)) {
        c.setNetworkTimeout(Runnable::run, 5000);
        Sql.exec(c, "INSERT INTO app.t VALUES (4, 'minority')");
      }
    });
    cluster.faults.heal();
    Retry.waitFor("the old master follows", Duration.ofSeconds(60),
        () -> cluster.node(master).role() == NodeRole.FOLLOWER);
    awaitRow(master, 3);
    assertEquals(0, count(master, "id = 4"));
    assertNotEquals(master, next);
  }

  /** A privileged local write on a follower is a transaction nobody chose: the node must refuse to serve. */
  @Test
  void aFollowerWithALocalWriteIsReportedDivergedAndStopsServing() throws Exception {
    // Automatic rebuild off: it would end the diverged state this test looks at within seconds, racing
    // the checks below (SeedingIntegrationTest covers the automatic rebuild of a diverged follower).
    int master = bootstrap("autoRebuild: false");
    int follower = others(master).get(0);
    awaitRow(follower, 1);
    try (Connection c = cluster.direct(follower)) {
      Sql.exec(c, "INSERT INTO app.t VALUES (77, 'written behind the cluster''s back')");
    }
    Retry.waitFor("node " + follower + " diverged", Duration.ofSeconds(30),
        () -> cluster.node(follower).role() == NodeRole.DIVERGED);
    var status = cluster.node(follower).localStatus();
    assertTrue(status.getBoolean("diverged"));
    // The reason names the way out: rebuilt by itself (mariadb.autoRebuild, the default) or by hand.
    // The role is stable here: nothing rebuilds the node while this test looks.
    assertTrue(status.getString("divergence").toLowerCase(Locale.ROOT).contains("rebuild"), status.encode());
    // It neither serves RW nor campaigns; the rest of the cluster goes on.
    SQLException refused = assertThrows(SQLException.class, () -> cluster.rw(follower).close());
    assertTrue(refused.getMessage().contains("diverged"), refused.getMessage());
    cluster.execRw(master, "INSERT INTO app.t VALUES (6, 'still writable')", Duration.ofSeconds(20));
    awaitRow(others(master).get(1), 6);
  }

  /**
   * The seed's phantom read: the master cannot get a commit chosen (it is cut off), crashes while the
   * client waits, and restarts later. The row never becomes visible anywhere.
   */
  @Test
  void aCommitWaitingForItsAckWhenTheMasterDiesNeverAppears() throws Exception {
    int master = bootstrap();
    for (int n = 1; n <= 3; n++) {
      awaitRow(n, 1);
    }
    cluster.faults.isolate(master, List.of(1, 2, 3));
    Connection writer = cluster.direct(master);
    CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
      try {
        Sql.exec(writer, "INSERT INTO app.t VALUES (99, 'phantom')");
      } catch (SQLException e) {
        throw new RuntimeException(e);
      }
    });
    Retry.waitFor("the commit reached the master's binlog", Duration.ofSeconds(10), () -> {
      try (Connection c = cluster.direct(master)) {
        return Sql.queryString(c, "SELECT @@gtid_binlog_pos").contains("-") && !commit.isDone()
            && count(master, "id = 99") == 0;
      } catch (SQLException e) {
        return false;
      }
    });
    cluster.crash(master);
    assertThrows(Exception.class, () -> commit.get(30, TimeUnit.SECONDS));
    cluster.faults.heal();
    cluster.awaitMaster(Duration.ofSeconds(30));
    cluster.start(master);
    Retry.waitFor("the old master follows", Duration.ofSeconds(60),
        () -> cluster.node(master) != null && cluster.node(master).role() == NodeRole.FOLLOWER);
    cluster.execRw(master, "INSERT INTO app.t VALUES (5, 'later')", Duration.ofSeconds(20));
    for (int n = 1; n <= 3; n++) {
      awaitRow(n, 5);
      assertEquals(0, count(n, "id = 99"), "the unacknowledged row appeared on node " + n);
    }
    assertTrue(commit.isCompletedExceptionally());
  }
}
