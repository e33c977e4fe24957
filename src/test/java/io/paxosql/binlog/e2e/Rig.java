package io.paxosql.binlog.e2e;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.binlog.capture.TransactionSink;
import io.paxosql.binlog.log.InMemoryTransactionLog;
import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.binlog.server.BinlogServerConfig;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A (semi-sync master) → capture → in-memory log → binlog server → B, all real. */
final class Rig implements AutoCloseable {
  static final String REPL_USER = "repl";
  static final String REPL_PASSWORD = "replpw";
  static final String RELAY_USER = "relay";
  static final String RELAY_PASSWORD = "relaypw";
  static final long CAPTURE_SERVER_ID = 4001;
  static final long BINLOG_SERVER_ID = 4002;

  final Vertx vertx = Vertx.vertx();
  final InMemoryTransactionLog log = new InMemoryTransactionLog();
  MariaDbServer a;
  MariaDbServer b;
  Capture capture;
  BinlogServer server;
  int serverPort;

  /**
   * A semi-sync master: enabled in its config file at start (SET GLOBAL would trap the first
   * commit). Measured here: with the huge timeout even a commit before any replica connects waits,
   * so the replication account is created outside the binlog, and the capture must connect before
   * the first binlogged commit.
   */
  static MariaDbServer startMaster(MariaDbServers servers, String name) throws SQLException {
    MariaDbServer a = servers.start(name, b -> b.set("rpl_semi_sync_master_enabled", "ON")
        .set("rpl_semi_sync_master_wait_point", "AFTER_SYNC")
        .set("rpl_semi_sync_master_timeout", "4000000000"));
    try (Connection c = Sql.root(a)) {
      Sql.exec(c, "SET SESSION sql_log_bin=0");
      Sql.exec(c, "CREATE USER '" + REPL_USER + "'@'127.0.0.1' IDENTIFIED BY '" + REPL_PASSWORD + "'");
      Sql.exec(c, "GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO '" + REPL_USER
          + "'@'127.0.0.1'");
    }
    return a;
  }

  Rig master(MariaDbServers servers) throws SQLException {
    a = startMaster(servers, "a");
    return this;
  }

  Rig capture(Function<InMemoryTransactionLog, TransactionSink> sink) throws Exception {
    capture = new Capture(vertx, CaptureConfig.of("127.0.0.1", a.port(), REPL_USER, REPL_PASSWORD, CAPTURE_SERVER_ID,
        GtidState.EMPTY), sink.apply(log));
    capture.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return this;
  }

  Rig binlogServer() throws Exception {
    server = new BinlogServer(vertx, BinlogServerConfig.of(FreePorts.next(), RELAY_USER, RELAY_PASSWORD,
        BINLOG_SERVER_ID), log);
    serverPort = server.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return this;
  }

  Rig replica(MariaDbServers servers) throws SQLException {
    // Parallel apply: it relies on the GTID events' group-commit ids, which the binlog server keeps.
    b = servers.start("b", c -> c.set("slave_parallel_threads", "4").set("slave_parallel_mode", "optimistic"));
    follow(b);
    return this;
  }

  void follow(MariaDbServer replica) throws SQLException {
    follow(replica, serverPort);
  }

  /** Points {@code replica} at the binlog server on {@code serverPort} (GTID, slave_pos) and starts it. */
  static void follow(MariaDbServer replica, int serverPort) throws SQLException {
    try (Connection c = Sql.root(replica)) {
      Sql.exec(c, "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + serverPort + ", MASTER_USER='"
          + RELAY_USER + "', MASTER_PASSWORD='" + RELAY_PASSWORD + "', MASTER_USE_GTID=slave_pos, "
          + "MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1");
      Sql.exec(c, "START SLAVE");
    }
  }

  /** Waits until B has applied everything A has binlogged; fails with B's replication status if not. */
  static void awaitCaughtUp(MariaDbServer a, MariaDbServer b, int seconds) throws SQLException {
    try (Connection ca = Sql.root(a); Connection cb = Sql.root(b)) {
      String pos = Sql.queryString(ca, "SELECT @@gtid_binlog_pos");
      long r = Sql.queryLong(cb, "SELECT MASTER_GTID_WAIT('" + pos + "', " + seconds + ")");
      if (r != 0) {
        throw new AssertionError("B did not reach A's " + pos + " in " + seconds + " s; B: " + slaveStatus(cb));
      }
    }
  }

  static String slaveStatus(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); var rs = s.executeQuery("SHOW SLAVE STATUS")) {
      if (!rs.next()) {
        return "no slave status";
      }
      return "IO=" + rs.getString("Slave_IO_Running") + " SQL=" + rs.getString("Slave_SQL_Running") + " gtid_io="
          + rs.getString("Gtid_IO_Pos") + " last_io_error=" + rs.getString("Last_IO_Error") + " last_sql_error="
          + rs.getString("Last_SQL_Error");
    }
  }

  /** Every base table outside the system schemas, as schema.table. */
  static List<String> userTables(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT table_schema, table_name FROM "
        + "information_schema.tables WHERE table_type='BASE TABLE' AND table_schema NOT IN "
        + "('mysql','information_schema','performance_schema','sys') ORDER BY 1, 2")) {
      while (rs.next()) {
        out.add("`" + rs.getString(1) + "`.`" + rs.getString(2) + "`");
      }
    }
    return out;
  }

  static long checksum(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement(); var rs = s.executeQuery("CHECKSUM TABLE " + table)) {
      rs.next();
      return rs.getLong(2);
    }
  }

  @Override
  public void close() throws Exception {
    if (capture != null) {
      capture.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
