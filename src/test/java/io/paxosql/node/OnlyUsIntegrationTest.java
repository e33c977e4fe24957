package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.status.EventJournal;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Only our capture may ACK a master's commits: a second semi-sync replica on the master's MariaDB makes
 * the master resign and fence, and nobody can log in with the replication account while the capture is.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class OnlyUsIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(OnlyUsIntegrationTest.class);
  private ClusterHarness cluster;
  private Vertx vertx;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void aSecondSemiSyncReplicaMakesTheMasterResignAndFenceAndNoAckedWriteIsLost() throws Exception {
    cluster = new ClusterHarness(3);
    int master = cluster.bootstrap("CREATE DATABASE app", "CREATE TABLE app.t (id BIGINT PRIMARY KEY)");
    long oldEpoch = cluster.node(master).chain().state().epoch();
    int writer = master % 3 + 1;

    // The replication account takes one connection, and the capture holds it.
    String replUser = cluster.configs.get(master - 1).replication().user();
    String replPassword = cluster.node(master).mariadb().replicationPassword();
    SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection("jdbc:mariadb://127.0.0.1:"
        + cluster.configs.get(master - 1).mariadb().port() + "/", replUser, replPassword).close());
    assertEquals(1226, refused.getErrorCode(), refused.getMessage());

    List<Long> acked = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writes = new Thread(() -> write(writer, acked, stop), "writes");
    writes.start();
    Retry.waitFor("some writes acknowledged", Duration.ofSeconds(30), () -> acked.size() >= 5);

    // An intruder: root over the master's MariaDB port, registered as a semi-sync replica that ACKs
    // everything. It stays: when the fence truncates the binlog under its position it starts over from
    // the binlog's end, as a determined replica would.
    List<Long> beforeIntruder = List.copyOf(acked);
    vertx = Vertx.vertx();
    Intruder intruder = new Intruder(master);
    long before = System.nanoTime();
    intruder.start();
    Retry.waitFor("node " + master + " to stop being master", Duration.ofSeconds(30),
        () -> cluster.node(master).role() != NodeRole.MASTER);
    log.info("the master stopped serving {} ms after the intruder's dump started",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before));
    Retry.waitFor("the reason in node " + master + "'s event journal", Duration.ofSeconds(10), () -> cluster.node(master)
        .events().recent(EventJournal.DEFAULT_CAPACITY).stream()
        .anyMatch(e -> e.message().contains("another replica could acknowledge commits")));
    Retry.waitFor("another node as master of a new epoch", Duration.ofSeconds(120), () -> cluster.master()
        .filter(m -> m != master && cluster.node(m).chain().state().epoch() > oldEpoch).isPresent());
    int acksBefore = acked.size();
    Retry.waitFor("writes acknowledged by the new master", Duration.ofSeconds(60), () -> acked.size() >= acksBefore + 5);
    stop.set(true);
    writes.join(60_000);
    assertEquals(NodeRole.FOLLOWER, cluster.node(master).role(), "the node with the intruder attached stays a follower");
    intruder.stop();

    int next = cluster.master().orElseThrow();
    long top = acked.stream().mapToLong(Long::longValue).max().orElseThrow();
    Retry.waitFor("the last acknowledged write on the new master", Duration.ofSeconds(60), () -> rows(next, "id = " + top) == 1);
    // What was acknowledged before the intruder came and after another node took over survives. A commit
    // the intruder ACKed in the window before the master noticed (up to one 200 ms check) may not: that
    // is why the replication account takes one connection and SECURITY.md lists this as out of scope.
    List<Long> mustSurvive = new ArrayList<>(beforeIntruder);
    mustSurvive.addAll(acked.subList(acksBefore, acked.size()));
    try (Connection c = cluster.direct(next)) {
      for (long id : mustSurvive) {
        assertEquals(1, Sql.queryLong(c, "SELECT COUNT(*) FROM app.t WHERE id = " + id), "acknowledged row " + id + " lost");
      }
      long window = acked.subList(beforeIntruder.size(), acksBefore).stream().filter(id -> {
        try {
          return Sql.queryLong(c, "SELECT COUNT(*) FROM app.t WHERE id = " + id) == 0;
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }).count();
      log.info("{} of {} writes acknowledged during the intrusion are missing on the new master", window,
          acksBefore - beforeIntruder.size());
    }
    assertFalse(acked.isEmpty());
  }

  /** A semi-sync replica on one node's MariaDB that restarts at the binlog's end whenever its dump breaks. */
  private final class Intruder {
    private final int node;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile Capture current;
    private Thread keeper;

    Intruder(int node) {
      this.node = node;
    }

    void start() throws Exception {
      current = connect();
      current.start().await(30, TimeUnit.SECONDS);
      keeper = new Thread(() -> {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (!stopped.get() && System.nanoTime() < deadline) {
          try {
            TimeUnit.MILLISECONDS.sleep(300);
            String error = String.valueOf(current.lastError());
            if (error.contains("1236")) {
              log.info("intruder starts over after: {}", error);
              current.stop().await(30, TimeUnit.SECONDS);
              current = connect();
              current.start();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } catch (Exception e) {
            log.info("intruder: {}", e.getMessage());
          }
        }
      }, "intruder");
      keeper.start();
    }

    private Capture connect() throws SQLException {
      String pos;
      try (Connection c = cluster.direct(node)) {
        pos = Sql.queryString(c, "SELECT @@GLOBAL.gtid_binlog_pos");
      }
      return new Capture(vertx, CaptureConfig.of("127.0.0.1", cluster.configs.get(node - 1).mariadb().port(),
          "root", cluster.layout.rootPassword(), 4242, GtidState.parse(pos)), tx -> Future.succeededFuture());
    }

    void stop() throws Exception {
      stopped.set(true);
      keeper.join(30_000);
      current.stop().await(30, TimeUnit.SECONDS);
    }
  }

  private long rows(int node, String where) {
    try (Connection c = cluster.direct(node)) {
      return Sql.queryLong(c, "SELECT COUNT(*) FROM app.t WHERE " + where);
    } catch (SQLException e) {
      return -1;
    }
  }

  /** One INSERT per id through a node's RW port, reconnecting after an error, until told to stop (or 10 min). */
  private void write(int node, List<Long> acked, AtomicBoolean stop) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    Connection c = null;
    for (long id = 1; !stop.get() && System.nanoTime() < deadline; id++) {
      try {
        if (c == null) {
          c = cluster.rw(node);
        }
        c.createStatement().execute("INSERT INTO app.t VALUES (" + id + ")");
        acked.add(id);
      } catch (SQLException e) {
        log.info("write {} failed: {}", id, e.getMessage());
        close(c);
        c = null;
        try {
          TimeUnit.MILLISECONDS.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    close(c);
  }

  private static void close(Connection c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (SQLException e) {
      log.debug("closing: {}", e.getMessage());
    }
  }
}
