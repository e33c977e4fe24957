package io.paxosql.binlog.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Real MariaDB A → capture → log → binlog server → real MariaDB B, with a mixed concurrent workload. */
class EndToEndIntegrationTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();

  @Test
  void mixedConcurrentWorkloadArrivesWholeAndBEqualsA() throws Exception {
    try (Rig rig = new Rig().master(servers).capture(log -> log::append).binlogServer().replica(servers)) {
      try (Connection a = Sql.root(rig.a)) {
        Sql.exec(a, "CREATE DATABASE shop");
        Sql.exec(a, "CREATE TABLE shop.items (id INT PRIMARY KEY AUTO_INCREMENT, client INT, v VARCHAR(100), "
            + "qty INT, price DECIMAL(10,2), note TEXT) ENGINE=InnoDB");
        Sql.exec(a, "CREATE TABLE shop.counters (client INT PRIMARY KEY, n BIGINT) ENGINE=InnoDB");
      }
      long seed = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < 8; c++) {
        int client = c;
        clients.add(pool.submit(() -> {
          workload(rig, client, new Random(seed + client));
          return null;
        }));
      }
      try (Connection a = Sql.root(rig.a)) {
        Sql.exec(a, "CREATE TABLE shop.extra (id INT PRIMARY KEY) ENGINE=InnoDB");
        Sql.exec(a, "ALTER TABLE shop.items ADD COLUMN tag VARCHAR(20) NULL");
        Sql.exec(a, "INSERT INTO shop.extra VALUES (1), (2), (3)");
        Sql.exec(a, "CREATE INDEX by_client ON shop.items (client)");
      }
      for (Future<?> f : clients) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
      Rig.awaitCaughtUp(rig.a, rig.b, 60);
      assertSameData(rig, "seed " + seed);
      assertTrue(rig.capture.acksSent() > 0, "the capture ACKed the master");
      try (Connection b = Sql.root(rig.b)) {
        // B asked for MASTER_HEARTBEAT_PERIOD=1: an idle binlog server must send heartbeats.
        String q = "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME="
            + "'SLAVE_RECEIVED_HEARTBEATS'";
        long before = Sql.queryLong(b, q);
        TimeUnit.MILLISECONDS.sleep(3500);
        assertTrue(Sql.queryLong(b, q) > before, "no heartbeat reached B while the log was idle");
      }
    }
  }

  static void workload(Rig rig, int client, Random rnd) throws Exception {
    try (Connection a = Sql.root(rig.a)) {
      Sql.exec(a, "INSERT INTO shop.counters VALUES (" + client + ", 0)");
      for (int i = 0; i < 30; i++) {
        int kind = rnd.nextInt(4);
        int n = i;
        retryDeadlocks(a, () -> operation(a, client, n, kind, rnd));
      }
    }
  }

  interface SqlAction {
    void run() throws java.sql.SQLException;
  }

  /** Concurrent clients on one table deadlock now and then; like any application, retry the transaction. */
  static void retryDeadlocks(Connection a, SqlAction action) throws java.sql.SQLException {
    for (int attempt = 0; ; attempt++) {
      try {
        action.run();
        return;
      } catch (java.sql.SQLTransactionRollbackException e) {
        if (!a.getAutoCommit()) {
          a.rollback();
          a.setAutoCommit(true);
        }
        if (attempt == 20) {
          throw e;
        }
      }
    }
  }

  static void operation(Connection a, int client, int i, int kind, Random rnd) throws java.sql.SQLException {
    if (kind == 0) {
      Sql.exec(a, "INSERT INTO shop.items (client, v, qty, price, note) VALUES (" + client + ", 'c" + client + "-"
          + i + "', " + rnd.nextInt(100) + ", " + rnd.nextInt(10000) / 100.0 + ", REPEAT('n', " + rnd.nextInt(300)
          + "))");
    } else if (kind == 1) {
      a.setAutoCommit(false);
      Sql.exec(a, "INSERT INTO shop.items (client, v, qty) VALUES (" + client + ", 'tx', 1), (" + client
          + ", 'tx2', 2)");
      Sql.exec(a, "UPDATE shop.items SET qty = qty + 1 WHERE client = " + client + " AND id % 2 = 0");
      Sql.exec(a, "UPDATE shop.counters SET n = n + 1 WHERE client = " + client);
      a.commit();
      a.setAutoCommit(true);
    } else if (kind == 2) {
      Sql.exec(a, "DELETE FROM shop.items WHERE client = " + client + " AND qty % 5 = " + rnd.nextInt(5)
          + " LIMIT 2");
    } else {
      Sql.exec(a, "UPDATE shop.items SET price = price + 1, v = CONCAT(v, 'u') WHERE client = " + client
          + " ORDER BY id LIMIT 3");
    }
  }

  static void assertSameData(Rig rig, String tag) throws Exception {
    try (Connection a = Sql.root(rig.a); Connection b = Sql.root(rig.b)) {
      List<String> tables = Rig.userTables(a);
      assertEquals(tables, Rig.userTables(b), tag);
      assertFalse(tables.isEmpty(), "no user tables on A");
      for (String t : tables) {
        assertEquals(Rig.checksum(a, t), Rig.checksum(b, t), tag + ": CHECKSUM TABLE " + t);
      }
      assertEquals(Sql.queryString(a, "SELECT @@gtid_binlog_pos"), Sql.queryString(b, "SELECT @@gtid_slave_pos"),
          tag + "; B: " + Rig.slaveStatus(b));
    }
  }

  @Test
  @Tag("slow")
  void aFiftyMegabyteTransactionReplicates() throws Exception {
    try (Rig rig = new Rig().master(servers).capture(log -> log::append).binlogServer().replica(servers)) {
      try (Connection a = Sql.root(rig.a)) {
        Sql.exec(a, "CREATE DATABASE big");
        Sql.exec(a, "CREATE TABLE big.blobs (id INT PRIMARY KEY, b LONGBLOB) ENGINE=InnoDB");
        a.setAutoCommit(false);
        for (int i = 0; i < 50; i++) {
          Sql.exec(a, "INSERT INTO big.blobs VALUES (" + i + ", REPEAT(SHA2('" + i + "', 256), 16384))");
        }
        a.commit();
        a.setAutoCommit(true);
      }
      Rig.awaitCaughtUp(rig.a, rig.b, 120);
      assertSameData(rig, "50 MB transaction");
      long biggest = rig.log.read(1, 1000).result().stream().mapToLong(e -> e.transaction().sizeBytes()).max()
          .orElse(0);
      assertTrue(biggest > 50_000_000L, "largest transaction in the log: " + biggest + " bytes");
    }
  }
}
