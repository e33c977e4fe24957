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

    // The admin CLI against the real nodes: status, a second init, a wrong member list, step-down.
    String admin = "127.0.0.1:" + cluster.configs.get(1).ports().admin();
    Admin status = admin("--node", admin, "--json", "status");
    assertEquals(0, status.code(), status.err());
    int master = new io.vertx.core.json.JsonObject(status.out()).getInteger("master");
    String members = String.join(",", cluster.node(1).expectedMembers());
    Admin again = admin("--node", admin, "init", "--members", members);
    assertEquals(1, again.code());
    assertTrue(again.err().contains("already initialised"), again.err());
    Admin wrong = admin("--node", admin, "init", "--members", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3");
    assertEquals(1, wrong.code());
    assertTrue(wrong.err().contains("does not match this node's configured members"), wrong.err());
    Admin notMaster = admin("--node", "127.0.0.1:" + cluster.configs.get(master == 1 ? 1 : 0).ports().admin(), "step-down");
    assertEquals(1, notMaster.code());
    assertTrue(notMaster.err().contains("is not the master"), notMaster.err());

    long epoch = cluster.node(master).chain().state().epoch();
    Admin stepDown = admin("--node", "127.0.0.1:" + cluster.configs.get(master - 1).ports().admin(), "step-down");
    assertEquals(0, stepDown.code(), stepDown.err());
    ClusterHarness.await("a master of a new epoch after step-down", Duration.ofSeconds(30), () -> cluster.master()
        .filter(m -> cluster.node(m).chain().state().epoch() > epoch && cluster.node(m).chain().state().masterNode() == m)
        .isPresent());
    ok.addAll(write(2, 5, 3_000_000));
    assertConverged(ok);
  }

  private record Admin(int code, String out, String err) {}

  private static Admin admin(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "admin";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = io.paxosql.cli.Main.execute(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), all);
    return new Admin(code, out.toString(), err.toString());
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
