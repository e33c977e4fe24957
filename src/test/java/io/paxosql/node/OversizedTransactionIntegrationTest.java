package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.config.TransactionLimits;
import io.paxosql.node.role.NodeRole;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, bounds: a transaction larger than the cluster carries (mariadb.maxTransactionBytes, default
 * 64 MiB) fails at the client with MariaDB's own error 1197 through the RW port, and every node keeps
 * running and serving.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class OversizedTransactionIntegrationTest {

  @Test
  void anOversizedTransactionFailsAtTheClientAndNoNodeFalls() throws Exception {
    try (ClusterHarness cluster = new ClusterHarness(3)) {
      int master = cluster.bootstrap("CREATE DATABASE big", "CREATE TABLE big.t (id INT PRIMARY KEY, pad LONGBLOB)");
      int entry = master == 1 ? 2 : 1;
      byte[] mib = new byte[1 << 20];
      int rows = (int) (TransactionLimits.DEFAULT >> 20) + 4;
      try (Connection c = cluster.rw(entry)) {
        c.setAutoCommit(false);
        SQLException e = assertThrows(SQLException.class, () -> {
          try (PreparedStatement p = c.prepareStatement("INSERT INTO big.t VALUES (?, ?)")) {
            for (int i = 0; i < rows; i++) {
              p.setInt(1, i);
              p.setBytes(2, mib);
              p.executeUpdate();
            }
          }
          c.commit();
        });
        assertEquals(1197, e.getErrorCode(), "MariaDB's own error: " + e.getMessage());
        assertTrue(e.getMessage().contains("max_binlog_cache_size"), e.getMessage());
        c.rollback();
      }
      try (Connection c = cluster.rw(entry); Statement s = c.createStatement()) {
        s.execute("INSERT INTO big.t VALUES (-1, 'small')");
      }
      for (int id = 1; id <= 3; id++) {
        NodeRole r = cluster.node(id).role();
        assertTrue(cluster.node(id).mariadb().isRunning(), "node " + id + "'s MariaDB runs");
        assertTrue(r == NodeRole.MASTER || r == NodeRole.FOLLOWER, "node " + id + " serves: " + r);
      }
      assertEquals(master, cluster.awaitMaster(java.time.Duration.ofSeconds(10)), "no failover happened");
    }
  }
}
