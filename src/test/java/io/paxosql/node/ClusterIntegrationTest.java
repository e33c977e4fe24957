package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Three real nodes: the write path through Paxos, failover with fencing, and a full restart. */
class ClusterIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ClusterIntegrationTest.class);
  private ClusterHarness cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private int bootstrap() throws Exception {
    cluster = new ClusterHarness(3);
    cluster.startAll();
    assertTrue(cluster.init().getBoolean("initialised", false));
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    cluster.execRw(1, "CREATE DATABASE app", Duration.ofSeconds(20));
    cluster.execRw(1, "CREATE TABLE app.t (id BIGINT PRIMARY KEY, client INT, v VARCHAR(64))", Duration.ofSeconds(20));
    return master;
  }

  /** Every node's MariaDB reaches the same position and the same table checksum. */
  private void assertConverged(Set<Long> acknowledged) throws Exception {
    String target;
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    try (Connection m = cluster.direct(master)) {
      target = Sql.queryString(m, "SELECT @@gtid_binlog_pos");
    }
    List<Long> sums = new ArrayList<>();
    for (int id = 1; id <= cluster.size(); id++) {
      final int node = id;
      ClusterHarness.await("node " + node + " applies " + target, Duration.ofSeconds(60), () -> {
        try (Connection c = cluster.direct(node)) {
          return target.equals(Sql.queryString(c, "SELECT @@gtid_binlog_pos"));
        } catch (SQLException e) {
          return false;
        }
      });
      try (Connection c = cluster.direct(node); var rs = c.createStatement().executeQuery("CHECKSUM TABLE app.t")) {
        rs.next();
        sums.add(rs.getLong(2));
      }
      try (Connection c = cluster.direct(node)) {
        for (long id2 : acknowledged) {
          assertEquals(1, Sql.queryLong(c, "SELECT COUNT(*) FROM app.t WHERE id = " + id2),
              "acknowledged row " + id2 + " missing on node " + node);
        }
      }
    }
    assertEquals(1, sums.stream().distinct().count(), "checksums differ: " + sums);
  }

  /** Runs {@code clients} writers through different nodes' RW ports; returns the ids that got OK. */
  private Set<Long> write(int clients, int rowsEach, long base) throws Exception {
    Set<Long> ok = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      final int client = c;
      done.add(pool.submit(() -> {
        for (int i = 0; i < rowsEach; i++) {
          long id = base + client * 100_000L + i;
          try {
            // "no master" comes during the handshake, before the statement is sent: retrying is safe.
            cluster.execRw(1 + client % cluster.size(),
                "INSERT INTO app.t VALUES (" + id + ", " + client + ", 'v" + i + "')", Duration.ofSeconds(15));
            ok.add(id);
          } catch (SQLException e) {
            // Not acknowledged: the row may or may not exist, but must not be required.
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(300, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return ok;
  }

  @Test
  void writesThroughEveryNodeReachOneMasterAndAllReplicasConverge() throws Exception {
    bootstrap();
    Set<Long> ok = write(8, 25, 0);
    assertEquals(200, ok.size(), "every write through a healthy cluster is acknowledged");
    assertConverged(ok);
  }

  @Test
  void masterCrashFailsOverWithoutLosingAcknowledgedCommits() throws Exception {
    int master = bootstrap();
    Set<Long> ok = ConcurrentHashMap.newKeySet();
    ok.addAll(write(4, 10, 0));
    long before = System.nanoTime();
    cluster.crash(master);
    int next = cluster.awaitMaster(Duration.ofSeconds(30));
    long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
    log.info("failover: node {} crashed, node {} master after {} ms", master, next, failoverMs);
    assertTrue(next != master);
    ok.addAll(write(4, 10, 1_000_000));
    cluster.start(master);
    assertConverged(ok);
  }

  @Test
  void fullClusterCrashRecoversByItself() throws Exception {
    bootstrap();
    Set<Long> ok = write(4, 10, 0);
    for (int id = 1; id <= 3; id++) {
      cluster.crash(id);
    }
    cluster.startAll();
    cluster.awaitMaster(Duration.ofSeconds(60));
    ok.addAll(write(2, 5, 2_000_000));
    assertConverged(ok);
  }
}
