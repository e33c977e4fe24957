package io.paxosql.node.mariadb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two real MariaDB servers: each serves a Vert.x client, then one replicates from the other by GTID. */
class MariaDbReplicationIntegrationTest {
  @RegisterExtension static final MariaDbServers servers = new MariaDbServers();

  private static Vertx vertx;
  private static MariaDbServer primary;
  private static MariaDbServer replica;

  @BeforeAll
  static void startServers() {
    vertx = Vertx.vertx();
    primary = servers.start("primary");
    replica = servers.start("replica");
  }

  @AfterAll
  static void closeVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void eachServerServesAVertxClientAndReplicationByGtidConverges() throws Exception {
    for (MariaDbServer server : new MariaDbServer[] {primary, replica}) {
      assertEquals(3L, writeAndReadWithVertx(server, "own_" + server.port()));
    }

    try (Connection p = Sql.root(primary); Connection r = Sql.root(replica)) {
      Sql.exec(p, "CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'replpw'");
      Sql.exec(p, "GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO 'repl'@'127.0.0.1'");
      // The replica's own writes above would conflict with the primary's domain-0 history under
      // gtid_strict_mode: drop them and start from an empty GTID state.
      Sql.exec(r, "DROP DATABASE own_" + replica.port());
      Sql.exec(r, "RESET MASTER");
      Sql.exec(r, "SET GLOBAL gtid_slave_pos=''");
      Sql.exec(r, "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primary.port()
          + ", MASTER_USER='repl', MASTER_PASSWORD='replpw', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1");
      Sql.exec(r, "START SLAVE");

      Sql.exec(p, "CREATE DATABASE shop");
      Sql.exec(p, "CREATE TABLE shop.orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, item VARCHAR(64), qty INT)");
      for (int i = 0; i < 200; i++) {
        Sql.exec(p, "INSERT INTO shop.orders (item, qty) VALUES ('item-" + i + "', " + i + ")");
      }
      Sql.exec(p, "UPDATE shop.orders SET qty = qty + 1 WHERE id % 3 = 0");
      Sql.exec(p, "DELETE FROM shop.orders WHERE id % 7 = 0");

      String primaryPos = Sql.queryString(p, "SELECT @@gtid_binlog_pos");
      assertFalse(primaryPos.isEmpty());
      long waited = Sql.queryLong(r, "SELECT MASTER_GTID_WAIT('" + primaryPos + "', 60)");
      assertEquals(0, waited, "replica did not reach " + primaryPos + " within 60 s");

      for (String table : new String[] {"shop.orders", "own_" + primary.port() + ".kv"}) {
        String sql = "CHECKSUM TABLE " + table;
        try (var ps = p.createStatement(); var rs = ps.executeQuery(sql);
             var rsR = r.createStatement().executeQuery(sql)) {
          assertTrue(rs.next() && rsR.next());
          assertEquals(rs.getLong(2), rsR.getLong(2), "checksum of " + table);
          assertTrue(rs.getLong(2) != 0, "checksum of a non-empty table");
        }
      }
      assertEquals(primaryPos, Sql.queryString(r, "SELECT @@gtid_slave_pos"));
      Sql.exec(r, "STOP SLAVE");
    }
  }

  /** Creates a table through vertx-mysql-client, writes three rows, returns how many it reads back. */
  private static long writeAndReadWithVertx(MariaDbServer server, String db) throws Exception {
    Pool pool = MySQLBuilder.pool()
        .with(new PoolOptions().setMaxSize(2))
        .connectingTo(new MySQLConnectOptions().setHost("127.0.0.1").setPort(server.port()).setUser("root"))
        .using(vertx)
        .build();
    try {
      Future<RowSet<Row>> done = pool.query("CREATE DATABASE " + db).execute()
          .compose(r -> pool.query("CREATE TABLE " + db + ".kv (k INT PRIMARY KEY, v VARCHAR(32))").execute())
          .compose(r -> pool.preparedQuery("INSERT INTO " + db + ".kv VALUES (?, ?)")
              .executeBatch(List.of(Tuple.of(1, "a"), Tuple.of(2, "b"), Tuple.of(3, "c"))))
          .compose(r -> pool.query("SELECT COUNT(*) FROM " + db + ".kv WHERE v IN ('a','b','c')").execute());
      return done.await(30, TimeUnit.SECONDS).iterator().next().getLong(0);
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }
}
