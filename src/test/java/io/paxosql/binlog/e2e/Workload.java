package io.paxosql.binlog.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.Seeds;
import io.paxosql.testing.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end tests' workload on a master, whatever carries its binlog to the replicas: schema,
 * 8 concurrent clients (inserts, updates, deletes, multi-statement transactions) with DDL meanwhile,
 * a 50 MB transaction, and the check that a replica equals the master.
 */
final class Workload {
  static final int CLIENTS = 8;

  private Workload() {}

  /** Creates the schema and runs the mixed concurrent workload on {@code a}; returns the seed used. */
  static long mixed(MariaDbServer a) throws Exception {
    try (Connection c = Sql.root(a)) {
      Sql.exec(c, "CREATE DATABASE shop");
      Sql.exec(c, "CREATE TABLE shop.items (id INT PRIMARY KEY AUTO_INCREMENT, client INT, v VARCHAR(100), "
          + "qty INT, price DECIMAL(10,2), note TEXT) ENGINE=InnoDB");
      Sql.exec(c, "CREATE TABLE shop.counters (client INT PRIMARY KEY, n BIGINT) ENGINE=InnoDB");
    }
    long seed = Seeds.seed("paxosql.workload.seed", 1);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        clients.add(pool.submit(() -> {
          client(a, client, new Random(seed + client));
          return null;
        }));
      }
      try (Connection c = Sql.root(a)) {
        Sql.exec(c, "CREATE TABLE shop.extra (id INT PRIMARY KEY) ENGINE=InnoDB");
        Sql.exec(c, "ALTER TABLE shop.items ADD COLUMN tag VARCHAR(20) NULL");
        Sql.exec(c, "INSERT INTO shop.extra VALUES (1), (2), (3)");
        Sql.exec(c, "CREATE INDEX by_client ON shop.items (client)");
      }
      for (Future<?> f : clients) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return seed;
  }

  /** One transaction of 50 rows of 1 MiB each (a ~50 MB event group in the binlog). */
  static void fiftyMegabyteTransaction(MariaDbServer a) throws SQLException {
    try (Connection c = Sql.root(a)) {
      Sql.exec(c, "CREATE DATABASE big");
      Sql.exec(c, "CREATE TABLE big.blobs (id INT PRIMARY KEY, b LONGBLOB) ENGINE=InnoDB");
      c.setAutoCommit(false);
      for (int i = 0; i < 50; i++) {
        Sql.exec(c, "INSERT INTO big.blobs VALUES (" + i + ", REPEAT(SHA2('" + i + "', 256), 16384))");
      }
      c.commit();
      c.setAutoCommit(true);
    }
  }

  /** Every user table of {@code b} has A's CHECKSUM, and B's gtid_slave_pos is A's gtid_binlog_pos. */
  static void assertSameData(MariaDbServer a, MariaDbServer b, String tag) throws Exception {
    try (Connection ca = Sql.root(a); Connection cb = Sql.root(b)) {
      List<String> tables = Rig.userTables(ca);
      assertEquals(tables, Rig.userTables(cb), tag);
      assertFalse(tables.isEmpty(), "no user tables on A");
      for (String t : tables) {
        assertEquals(Rig.checksum(ca, t), Rig.checksum(cb, t), tag + ": CHECKSUM TABLE " + t);
      }
      assertEquals(Sql.queryString(ca, "SELECT @@gtid_binlog_pos"), Sql.queryString(cb, "SELECT @@gtid_slave_pos"),
          tag + "; replica: " + Rig.slaveStatus(cb));
    }
  }

  private static void client(MariaDbServer server, int client, Random rnd) throws Exception {
    try (Connection a = Sql.root(server)) {
      Sql.exec(a, "INSERT INTO shop.counters VALUES (" + client + ", 0)");
      for (int i = 0; i < 30; i++) {
        int kind = rnd.nextInt(4);
        int n = i;
        retryDeadlocks(a, () -> operation(a, client, n, kind, rnd));
      }
    }
  }

  interface SqlAction {
    void run() throws SQLException;
  }

  /** Concurrent clients on one table deadlock now and then; like any application, retry the transaction. */
  static void retryDeadlocks(Connection a, SqlAction action) throws SQLException {
    for (int attempt = 0; ; attempt++) {
      try {
        action.run();
        return;
      } catch (SQLTransactionRollbackException e) {
        if (!a.getAutoCommit()) {
          a.rollback();
          a.setAutoCommit(true);
        }
        if (attempt == 20) {
          throw e;
        }
        try {
          // Concurrent DDL makes the same statements collide again at once; spread the retries.
          Thread.sleep(5L * (attempt + 1));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private static void operation(Connection a, int client, int i, int kind, Random rnd) throws SQLException {
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
}
