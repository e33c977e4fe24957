package io.paxosql.node.mariadb;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The administrative SQL a node sends to its own MariaDB to give it a role: read-only follower of the
 * local binlog server, or semi-sync master whose only ACKing replica is our capture. Non-blocking
 * (vertx-mysql-client); every call fails with a message naming the statement that failed.
 */
public final class MariaDbControl implements AutoCloseable {
  /** Our semi-sync wait never times out in practice: a timeout would silently commit without a majority. */
  public static final long SEMI_SYNC_TIMEOUT_MS = 4_294_967_295L;
  private static final Pattern GTID_LIST = Pattern.compile("(\\d+-\\d+-\\d+)?(,\\d+-\\d+-\\d+)*");
  private static final Pattern SAFE_IDENT = Pattern.compile("[A-Za-z0-9_]{1,32}");
  private static final String SEMI_SYNC_CLIENTS = "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'";
  /**
   * The processlist as SHOW PROCESSLIST, not information_schema.PROCESSLIST: the latter builds a temporary
   * table per query: 355 us of mariadbd CPU against 40 us (bench/monitor-sql-cost.sh, 2026-12-07).
   */
  private static final String PROCESSLIST = "SHOW PROCESSLIST";
  private static final String DUMP_COMMAND = "Binlog Dump";

  private final Pool pool;

  public MariaDbControl(Vertx vertx, String host, int port, String user, String password) {
    this.pool = MySQLBuilder.pool()
        .with(new PoolOptions().setMaxSize(2))
        .with(new NetClientOptions().setConnectTimeout(2000))
        .connectingTo(new MySQLConnectOptions().setHost(host).setPort(port).setUser(user)
            .setPassword(password))
        .using(vertx)
        .build();
  }

  /** A probe: fails when MariaDB is down, or when it does not answer within {@code timeout} (hung). */
  public Future<Void> probe(Duration timeout) {
    return withTimeout(sql("SELECT 1").mapEmpty(), timeout, "health probe SELECT 1");
  }

  public Future<String> gtidBinlogPos() {
    return string("SELECT @@GLOBAL.gtid_binlog_pos");
  }

  public Future<String> gtidSlavePos() {
    return string("SELECT @@GLOBAL.gtid_slave_pos");
  }

  public Future<String> gtidCurrentPos() {
    return string("SELECT @@GLOBAL.gtid_current_pos");
  }

  public Future<Boolean> readOnly() {
    return string("SELECT @@GLOBAL.read_only").map("1"::equals);
  }

  public Future<Void> setReadOnly(boolean on) {
    return sql("SET GLOBAL read_only=" + (on ? "ON" : "OFF")).mapEmpty();
  }

  /**
   * Makes MariaDB wait, at commit, for a semi-sync ACK after the binlog fsync (AFTER_SYNC) with no
   * practical timeout, so it never falls back to asynchronous commit.
   */
  public Future<Void> enableSemiSyncMaster() {
    return sql("SET GLOBAL rpl_semi_sync_master_wait_point='" + SemiSyncSettings.WAIT_POINT + "'")
        .compose(x -> sql("SET GLOBAL rpl_semi_sync_master_timeout=" + SEMI_SYNC_TIMEOUT_MS))
        .compose(x -> sql("SET GLOBAL rpl_semi_sync_master_wait_no_slave=ON"))
        .compose(x -> sql("SET GLOBAL rpl_semi_sync_master_enabled=ON"))
        .mapEmpty();
  }

  /** The semi-sync settings a master's commits depend on (see {@link SemiSyncSettings}). */
  public Future<SemiSyncSettings> semiSyncSettings() {
    return sql("SELECT @@GLOBAL.rpl_semi_sync_master_enabled, @@GLOBAL.rpl_semi_sync_master_wait_point, "
        + "@@GLOBAL.rpl_semi_sync_master_timeout, @@GLOBAL.rpl_semi_sync_master_wait_no_slave").map(rows -> {
          Row r = rows.iterator().next();
          return new SemiSyncSettings(isOn(r.getValue(0)), String.valueOf(r.getValue(1)),
              Long.parseLong(String.valueOf(r.getValue(2))), isOn(r.getValue(3)));
        });
  }

  private static boolean isOn(Object value) {
    String v = String.valueOf(value);
    return "1".equals(v) || "ON".equalsIgnoreCase(v) || "true".equalsIgnoreCase(v);
  }

  /** The id new sessions write into the binlog; a master uses its epoch (see the node's wiring). */
  public Future<Void> setServerId(long id) {
    return sql("SET GLOBAL server_id=" + id).mapEmpty();
  }

  public Future<Void> disableSemiSyncMaster() {
    return sql("SET GLOBAL rpl_semi_sync_master_enabled=OFF").mapEmpty();
  }

  /**
   * Points the replica at {@code host:port} (our local binlog server) with GTID positioning and
   * starts it. The slave position is first set to what the binlog holds, which is exact for a node
   * that was master or was just fenced and harmless for a follower.
   */
  public Future<Void> follow(String host, int port, String user, String password) {
    requireIdent(user, "replication user");
    return sql("STOP SLAVE")
        .compose(x -> sql("SET GLOBAL gtid_slave_pos=@@GLOBAL.gtid_binlog_pos"))
        .compose(x -> sql("CHANGE MASTER TO MASTER_HOST='" + host + "', MASTER_PORT=" + port
            + ", MASTER_USER='" + user + "', MASTER_PASSWORD='" + escape(password)
            + "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1"))
        .compose(x -> sql("START SLAVE"))
        .mapEmpty();
  }

  /**
   * Makes a server restored from a backup (whose datadir has no binlog) start where the backup was
   * taken: its binlog state and replica position become {@code gtidPos}, so it replicates from there and
   * a later {@link #follow} keeps it. Setting gtid_binlog_state resets the binlog, which is empty here.
   */
  public Future<Void> adoptGtidPosition(String gtidPos) {
    if (gtidPos.isEmpty()) {
      return Future.succeededFuture();
    }
    if (!GTID_LIST.matcher(gtidPos).matches()) {
      return Future.failedFuture(new IllegalArgumentException("not a GTID position: '" + gtidPos + "'"));
    }
    return sql("STOP SLAVE")
        .compose(x -> sql("SET GLOBAL gtid_binlog_state='" + gtidPos + "'"))
        .compose(x -> sql("SET GLOBAL gtid_slave_pos='" + gtidPos + "'"))
        .mapEmpty();
  }

  /** STOP SLAVE only: the replica's settings stay (a node stopping, not one becoming master). */
  public Future<Void> stopReplicaThreads(Duration timeout) {
    return withTimeout(sql("STOP SLAVE").mapEmpty(), timeout, "STOP SLAVE");
  }

  /**
   * SET GLOBAL read_only=ON, within {@code timeout}. MariaDB takes the global read lock to set it, so
   * it returns only once every commit in progress (one waiting for its semi-sync ACK included) ended.
   */
  public Future<Void> setReadOnly(Duration timeout) {
    return withTimeout(setReadOnly(true), timeout, "SET GLOBAL read_only=ON");
  }

  /** Sessions waiting for a semi-sync ACK now (status Rpl_semi_sync_master_wait_sessions). */
  public Future<Long> semiSyncWaitSessions() {
    return sql("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_wait_sessions'").map(rows ->
        rows.size() == 0 ? 0L : Long.parseLong(String.valueOf(rows.iterator().next().getValue(1))));
  }

  /**
   * Every binlog dump connection and the semi-sync client count (see {@link ReplicaConnections}), in one
   * round trip: the status first, then the processlist (two statements, run in that order).
   */
  public Future<ReplicaConnections> replicaConnections() {
    return sql(SEMI_SYNC_CLIENTS + "; " + PROCESSLIST).map(status -> {
      long clients = status.size() == 0 ? 0 : Long.parseLong(String.valueOf(status.iterator().next().getValue(1)));
      return new ReplicaConnections(clients, dumps(nextResult(status, PROCESSLIST)));
    });
  }

  /** Every binlog dump connection, without the semi-sync client count: the cheap look. */
  public Future<ReplicaConnections> dumpConnections() {
    return sql(PROCESSLIST).map(rows -> ReplicaConnections.dumpsOnly(dumps(rows)));
  }

  private static List<ReplicaConnections.DumpConnection> dumps(RowSet<Row> processlist) {
    List<ReplicaConnections.DumpConnection> dumps = new ArrayList<>();
    for (Row r : processlist) {
      String command = r.getString("Command");
      // "Binlog Dump" (MariaDB); MySQL's GTID variant is "Binlog Dump GTID".
      if (command != null && command.startsWith(DUMP_COMMAND)) {
        dumps.add(new ReplicaConnections.DumpConnection(r.getLong("Id"), r.getString("User"), r.getString("Host")));
      }
    }
    return dumps;
  }

  /** Ends a connection (KILL CONNECTION): cuts a replica off this server. */
  public Future<Void> killConnection(long id) {
    return sql("KILL CONNECTION " + id).mapEmpty();
  }

  public Future<Void> stopReplica() {
    return sql("STOP SLAVE").compose(x -> sql("RESET SLAVE ALL")).mapEmpty();
  }

  /**
   * Waits until the replica has applied {@code gtidPos}. True when reached, false on timeout.
   * MASTER_GTID_WAIT waits on gtid_slave_pos, so this is for a replicating node only.
   */
  public Future<Boolean> waitForGtid(String gtidPos, Duration timeout) {
    if (!GTID_LIST.matcher(gtidPos).matches()) {
      return Future.failedFuture(new IllegalArgumentException("not a GTID position: '" + gtidPos + "'"));
    }
    double seconds = timeout.toMillis() / 1000.0;
    return string("SELECT MASTER_GTID_WAIT('" + gtidPos + "', " + seconds + ")").map("0"::equals);
  }

  /** SHOW SLAVE STATUS, reduced to what a node reports; empty when no replica is configured. */
  public Future<Optional<ReplicaStatus>> replicaStatus() {
    return sql("SHOW SLAVE STATUS").map(MariaDbControl::replicaStatus);
  }

  /**
   * {@code gtid_binlog_pos} and SHOW SLAVE STATUS in one round trip (two statements): what the node's
   * monitor reads every cycle.
   */
  public Future<Applied> applied() {
    return sql("SELECT @@GLOBAL.gtid_binlog_pos; SHOW SLAVE STATUS").map(rows -> {
      Object pos = rows.size() == 0 ? null : rows.iterator().next().getValue(0);
      return new Applied(pos == null ? "" : pos.toString(), replicaStatus(nextResult(rows, "SHOW SLAVE STATUS")));
    });
  }

  private static Optional<ReplicaStatus> replicaStatus(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    Row r = rows.iterator().next();
    return Optional.of(new ReplicaStatus(
        "Yes".equals(r.getString("Slave_IO_Running")),
        "No".equals(r.getString("Slave_IO_Running")),
        "Yes".equals(r.getString("Slave_SQL_Running")),
        nullToEmpty(r.getString("Gtid_IO_Pos")),
        r.getValue("Seconds_Behind_Master") == null ? -1 : r.getLong("Seconds_Behind_Master"),
        nullToEmpty(r.getString("Last_IO_Error")),
        nullToEmpty(r.getString("Last_SQL_Error"))));
  }

  /** The result of the next statement of a multi-statement query; a missing one is MariaDB's contract broken. */
  private static RowSet<Row> nextResult(RowSet<Row> rows, String statement) {
    RowSet<Row> next = rows.next();
    if (next == null) {
      throw new IllegalStateException("MariaDB sent no result for '" + statement + "' in a multi-statement query");
    }
    return next;
  }

  /**
   * Creates or updates an account without writing it to the binlog: accounts are per node, and a
   * local binlog write would create a GTID the cluster never chose. Names are restricted to
   * identifier characters; the password is escaped.
   */
  public Future<Void> ensureLocalUser(String user, String host, String password, String grants) {
    requireIdent(user, "user");
    String account = "'" + user + "'@'" + escape(host) + "'";
    return pool.withConnection(c -> sql(c, "SET SESSION sql_log_bin=0")
        .compose(x -> sql(c, "CREATE USER IF NOT EXISTS " + account + " IDENTIFIED BY '" + escape(password) + "'"))
        .compose(x -> sql(c, "ALTER USER " + account + " IDENTIFIED BY '" + escape(password) + "'"))
        .compose(x -> sql(c, "GRANT " + grants + " ON *.* TO " + account))
        .compose(x -> sql(c, "SET SESSION sql_log_bin=1"))
        .mapEmpty());
  }

  @Override
  public void close() {
    pool.close();
  }

  private Future<String> string(String query) {
    return sql(query).map(rows -> {
      if (rows.size() == 0) {
        return "";
      }
      Object v = rows.iterator().next().getValue(0);
      return v == null ? "" : v.toString();
    });
  }

  /** Runs one statement on any pooled connection: only for statements that need no session state. */
  private Future<RowSet<Row>> sql(String query) {
    return pool.query(query).execute()
        .recover(e -> Future.failedFuture(new MariaDbControlException(redact(query), e)));
  }

  private static Future<RowSet<Row>> sql(SqlConnection c, String query) {
    return c.query(query).execute()
        .recover(e -> Future.failedFuture(new MariaDbControlException(redact(query), e)));
  }

  private <T> Future<T> withTimeout(Future<T> f, Duration timeout, String what) {
    return f.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(e instanceof MariaDbControlException ? e
            : new MariaDbControlException(what + " (no answer within " + timeout.toMillis() + " ms)", e)));
  }

  private static void requireIdent(String name, String what) {
    if (!SAFE_IDENT.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " '" + name + "' must be 1-32 letters, digits or _");
    }
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }

  private static String redact(String query) {
    return query.replaceAll("(?i)(PASSWORD|IDENTIFIED BY) *=? *'(\\\\.|[^'])*'", "$1 '***'");
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  /**
   * What a node reports about its replica threads. {@code ioStopped} means stopped for good (STOP SLAVE
   * or an error such as 1236 that ends the thread); an IO thread that is only (re)connecting is
   * neither running nor stopped.
   */
  public record ReplicaStatus(boolean ioRunning, boolean ioStopped, boolean sqlRunning, String gtidIoPos,
      long secondsBehind, String lastIoError, String lastSqlError) {}

  /** What the monitor reads each cycle: MariaDB's gtid_binlog_pos and its replica, if one is configured. */
  public record Applied(String gtidBinlogPos, Optional<ReplicaStatus> replica) {}
}
