package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.proxy.ReadPolicy;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RO port consistency modes on three real nodes: a write through one node's RW port, read at once
 * through a follower's RO port while that follower's replica is made to lag (its SQL thread stopped
 * and started in a loop). LOCAL shows stale reads; LINEARIZABLE never does; BOUNDED refuses while the
 * lag exceeds its limit. Modes and a connection limit change by editing the node's YAML while
 * clients are connected; an invalid edit is rejected and the running config stays.
 */
// three nodes, three read modes and several config reloads in one test: 77 s seen, several times that under load.
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ClusterReadsIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ClusterReadsIntegrationTest.class);
  private static final Duration RELOAD = Duration.ofSeconds(4);
  private ClusterHarness cluster;
  private final List<Thread> helpers = new ArrayList<>();
  private final AtomicBoolean lagging = new AtomicBoolean();

  @AfterEach
  void tearDown() throws Exception {
    lagging.set(false);
    for (Thread t : helpers) {
      t.join(5000);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void roConsistencyModesUnderReplicaLagAndHotReload() throws Exception {
    cluster = new ClusterHarness(3);
    int master = cluster.bootstrap("CREATE DATABASE app", "CREATE TABLE app.kv (id INT PRIMARY KEY, v BIGINT)",
        "INSERT INTO app.kv VALUES (1, 0)");
    int reader = master == 3 ? 2 : 3;
    int writer = master == 1 ? 2 : 1;
    Retry.waitFor("node " + reader + " has the table", Duration.ofSeconds(30), () -> {
      try (Connection d = cluster.direct(reader)) {
        return Sql.queryLong(d, "SELECT COUNT(*) FROM app.kv") == 1;
      } catch (SQLException e) {
        return false;
      }
    });
    log.info("master {}, writing through node {}, reading through node {}'s RO port", master, writer, reader);

    try (Connection w = cluster.rw(writer); Connection r = cluster.ro(reader)) {
      // LOCAL (the default): the same loop sees the replica behind.
      assertEquals(ReadPolicy.Mode.LOCAL, cluster.node(reader).proxy().readPolicy().mode());
      startLagging(reader);
      int stale = readAfterWrite(w, List.of(r), 15, 1_000);
      stopLagging();
      log.info("local mode: {} of 15 reads were stale", stale);
      assertTrue(stale > 0, "with the replica's SQL thread stopped and started, LOCAL reads must be stale"
          + " at least once, else this test could not catch a stale LINEARIZABLE read");

      // LINEARIZABLE, switched on by editing the YAML while a client keeps reading (the switch
      // happens between two of its statements) and this session stays open.
      AtomicBoolean reading = new AtomicBoolean(true);
      AtomicLong backgroundReads = new AtomicLong();
      AtomicReference<Throwable> backgroundFailure = new AtomicReference<>();
      Thread background = new Thread(() -> {
        try (Connection b = cluster.ro(reader)) {
          while (reading.get()) {
            Sql.queryLong(b, "SELECT v FROM app.kv WHERE id = 1");
            backgroundReads.incrementAndGet();
          }
        } catch (Throwable e) {
          backgroundFailure.set(e);
        }
      }, "background-reader");
      background.start();
      cluster.rewriteProxy(reader, "proxy: { roConsistency: linearizable, roMaxLagMs: 8000 }");
      awaitMode(reader, ReadPolicy.Mode.LINEARIZABLE);
      try (Connection prepared = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:"
              + cluster.configs.get(reader - 1).ports().ro() + "/?useServerPrepStmts=true&socketTimeout=30000", "root", cluster.layout.rootPassword());
          Connection tx = cluster.ro(reader)) {
        tx.setAutoCommit(false);
        startLagging(reader);
        int staleLinearizable = readAfterWrite(w, List.of(r, prepared, tx), 20, 2_000);
        stopLagging();
        assertEquals(0, staleLinearizable, "a LINEARIZABLE read returned an older value than a completed write");
      }
      // On the master's own RO port a LINEARIZABLE read confirms the lease and needs no wait.
      cluster.rewriteProxy(master, "proxy: { roConsistency: linearizable, roMaxLagMs: 2000 }");
      awaitMode(master, ReadPolicy.Mode.LINEARIZABLE);
      try (Connection m = cluster.ro(master)) {
        assertEquals(0, readAfterWrite(w, List.of(m), 5, 2_500));
      }

      // An invalid edit is rejected as a whole: the mode and the limits stay as they were.
      cluster.rewriteProxy(reader, "proxy: { roConsistency: sometimes, maxConnections: 2 }");
      TimeUnit.MILLISECONDS.sleep(RELOAD.toMillis() / 2);
      assertEquals(ReadPolicy.Mode.LINEARIZABLE, cluster.node(reader).proxy().readPolicy().mode());
      startLagging(reader);
      assertEquals(0, readAfterWrite(w, List.of(r), 5, 3_000), "still LINEARIZABLE after a rejected edit");
      stopLagging();
      List<Connection> extra = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          extra.add(cluster.ro(reader)); // the rejected limit of 2 did not apply: r, background + 3 more
        }
      } finally {
        for (Connection c : extra) {
          c.close();
        }
      }

      reading.set(false);
      background.join(10_000);
      if (backgroundFailure.get() != null) {
        throw new AssertionError("a client reading across the mode changes failed", backgroundFailure.get());
      }
      assertTrue(backgroundReads.get() > 0, "the background client read");
      log.info("background client: {} reads across the edits", backgroundReads.get());

      // BOUNDED and a connection limit of 3, from one edit while r stays connected.
      cluster.rewriteProxy(reader, "proxy: { roConsistency: bounded, roMaxLagMs: 500, maxConnections: 3 }");
      awaitMode(reader, ReadPolicy.Mode.BOUNDED);
      try (Connection c2 = cluster.ro(reader); Connection c3 = cluster.ro(reader)) {
        SQLException full = assertThrows(SQLException.class, () -> cluster.ro(reader).close());
        assertTrue(full.getMessage().contains("Too many connections"), full.getMessage());
      }
      try (Connection d = cluster.direct(reader)) {
        Sql.exec(d, "STOP SLAVE SQL_THREAD");
      }
      w.createStatement().executeUpdate("UPDATE app.kv SET v = 4000 WHERE id = 1");
      TimeUnit.MILLISECONDS.sleep(1200);
      SQLException refused = assertThrows(SQLException.class,
          () -> Sql.queryLong(r, "SELECT v FROM app.kv WHERE id = 1"));
      assertTrue(refused.getMessage().contains("replica lag") && refused.getMessage().contains("500 ms"),
          refused.getMessage());
      try (Connection d = cluster.direct(reader)) {
        Sql.exec(d, "START SLAVE SQL_THREAD");
      }
      // Once the replica caught up (and was observed to), the same session reads again.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (true) {
        try {
          assertEquals(4000, Sql.queryLong(r, "SELECT v FROM app.kv WHERE id = 1"));
          break;
        } catch (SQLException e) {
          if (System.nanoTime() > deadline || !e.getMessage().contains("replica lag")) {
            throw e;
          }
          TimeUnit.MILLISECONDS.sleep(100);
        }
      }
    }
  }

  /** Writes a new value, then reads it at once through each reader; returns how many reads were older. */
  private int readAfterWrite(Connection w, List<Connection> readers, int rounds, long base) throws SQLException {
    int stale = 0;
    for (int i = 1; i <= rounds; i++) {
      long v = base + i;
      w.createStatement().executeUpdate("UPDATE app.kv SET v = " + v + " WHERE id = 1");
      for (Connection r : readers) {
        long got;
        if (!r.getAutoCommit()) {
          got = Sql.queryLong(r, "SELECT v FROM app.kv WHERE id = 1");
          r.commit();
        } else {
          try (PreparedStatement ps = r.prepareStatement("SELECT v FROM app.kv WHERE id = ?")) {
            ps.setInt(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              got = rs.getLong(1);
            }
          }
        }
        if (got != v) {
          stale++;
        }
      }
    }
    return stale;
  }

  private void awaitMode(int node, ReadPolicy.Mode mode) throws InterruptedException {
    long start = System.nanoTime();
    Retry.waitFor("RO mode " + mode + " on node " + node, RELOAD,
        () -> cluster.node(node).proxy().readPolicy().mode() == mode);
    log.info("mode {} applied {} ms after the edit", mode, (System.nanoTime() - start) / 1_000_000);
  }

  /** Stops and starts the reader's replica SQL thread in a loop, so it lags behind by up to ~200 ms. */
  private void startLagging(int node) {
    lagging.set(true);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try (Connection d = cluster.direct(node)) {
        while (lagging.get()) {
          Sql.exec(d, "STOP SLAVE SQL_THREAD");
          TimeUnit.MILLISECONDS.sleep(150);
          Sql.exec(d, "START SLAVE SQL_THREAD");
          TimeUnit.MILLISECONDS.sleep(30);
        }
      } catch (Exception e) {
        failure.set(e);
        log.warn("lag maker failed", e);
      }
    }, "lag-maker");
    t.setDaemon(true);
    t.start();
    helpers.add(t);
  }

  private void stopLagging() throws InterruptedException {
    lagging.set(false);
    for (Thread t : helpers) {
      t.join(5000);
    }
    helpers.clear();
  }
}
