package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.role.NodeRole;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Promotion when the elected node's MariaDB cannot catch up by itself. */
class ClusterPromotionIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ClusterPromotionIntegrationTest.class);
  private static final int ROWS = 20;
  private ClusterHarness cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private long count(int node) throws SQLException {
    try (Connection c = cluster.direct(node)) {
      return Sql.queryLong(c, "SELECT COUNT(*) FROM app.t");
    }
  }

  private void awaitRows(int node, long rows) {
    Retry.waitFor(rows + " rows on node " + node, Duration.ofSeconds(60), () -> {
      try {
        return count(node) == rows;
      } catch (SQLException e) {
        return false;
      }
    });
  }

  /**
   * Issue 12: the elected node's MariaDB replica is stopped and its position (gtid_slave_pos, which
   * the promotion's MASTER_GTID_WAIT watches) is short of the chain's tail - as for a node whose
   * crash recovery lost its last transactions and whose replica the binlog server refused (error 1236)
   * while the chain was still being rebuilt. The master dies and the only other node cannot campaign
   * (its MariaDB is down), so this node is elected. It must get its replica going and promote within
   * seconds, not wait out the 60 s catch-up bound.
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aNodeElectedWhileItsReplicaIsStoppedPromotesWithinSeconds() throws Exception {
    cluster = new ClusterHarness(3);
    int a = cluster.bootstrap("CREATE DATABASE app", "CREATE TABLE app.t (id BIGINT PRIMARY KEY, v VARCHAR(64))",
        "INSERT INTO app.t VALUES (0, 'before')");
    List<Integer> others = List.of(1, 2, 3).stream().filter(n -> n != a).toList();
    int b = others.get(0);
    int c = others.get(1);
    awaitRows(c, 1);
    String early;
    try (Connection direct = cluster.direct(c)) {
      early = Sql.queryString(direct, "SELECT @@GLOBAL.gtid_slave_pos");
    }
    for (int i = 1; i <= ROWS; i++) {
      cluster.execRw(a, "INSERT INTO app.t VALUES (" + i + ", 'later')", Duration.ofSeconds(20));
    }
    awaitRows(b, ROWS + 1);
    awaitRows(c, ROWS + 1);
    try (Connection direct = cluster.direct(c)) {
      Sql.exec(direct, "STOP SLAVE");
      Sql.exec(direct, "SET GLOBAL gtid_slave_pos = '" + early + "'");
    }

    // B stays a Paxos acceptor but may not campaign: its MariaDB is down.
    cluster.node(b).mariadb().server().kill();
    Retry.waitFor("node " + b + " notices its MariaDB is down", Duration.ofSeconds(20),
        () -> !cluster.node(b).localStatus().getString("lastProblem").isEmpty());
    long crashed = System.nanoTime();
    cluster.crash(a);

    Retry.waitFor("node " + c + " promotes", Duration.ofSeconds(150),
        () -> cluster.node(c).role() == NodeRole.MASTER);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashed);
    log.info("node {} (replica stopped, {} transactions short) became master {} ms after the master's crash", c,
        ROWS, ms);
    assertTrue(ms < 20_000, "node " + c + " took " + ms + " ms to become master; roles "
        + cluster.roles() + ", its status " + cluster.node(c).localStatus().encode());
    cluster.execRw(c, "INSERT INTO app.t VALUES (" + (ROWS + 1) + ", 'after')", Duration.ofSeconds(20));
    assertEquals(ROWS + 2, count(c));
  }
}
