package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The RO port's read gate against a real MariaDB with a scripted {@link ReadBarrier}: the injected
 * MASTER_GTID_WAIT is consumed inside the proxy (with and without CLIENT_DEPRECATE_EOF), a read index
 * the server never reaches or no read index at all gives an ERR and leaves the session usable, BOUNDED
 * refuses beyond its limit, and statements inside a transaction ask for no read index.
 */
class ProxyReadGateTest {
  @RegisterExtension static final MariaDbServers SERVERS = new MariaDbServers();
  static MariaDbServer db;
  private ProxyFixture fx;
  private final AtomicReference<Supplier<Future<String>>> index = new AtomicReference<>();
  private final AtomicLong lag = new AtomicLong();
  private final AtomicInteger asked = new AtomicInteger();
  private final ReadBarrier barrier = new ReadBarrier() {
    @Override
    public Future<String> readIndex() {
      asked.incrementAndGet();
      return index.get().get();
    }

    @Override
    public long replicaLagMs() {
      return lag.get();
    }
  };

  @BeforeAll
  static void start() throws SQLException {
    db = SERVERS.start("readgate", b -> { });
    try (Connection c = Sql.root(db)) {
      Sql.exec(c, "CREATE DATABASE IF NOT EXISTS app");
      Sql.exec(c, "CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY, v INT)");
      Sql.exec(c, "REPLACE INTO app.t VALUES (1, 42)");
      // MASTER_GTID_WAIT compares with the replica position, as on a follower.
      Sql.exec(c, "SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos");
    }
  }

  @AfterEach
  void close() {
    if (fx != null) {
      fx.close();
    }
  }

  private void open(ReadPolicy policy) {
    fx = new ProxyFixture(ProxyFixture.settingsFor(db), new MasterRoute.Local("a"));
    fx.proxy.applyReadPolicy(policy, barrier);
  }

  private String serverGtid() throws SQLException {
    try (Connection c = Sql.root(db)) {
      return Sql.queryString(c, "SELECT @@gtid_slave_pos");
    }
  }

  private Connection jdbc(boolean serverPrepared) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + fx.ro() + "/?user=root&socketTimeout=10000"
        + (serverPrepared ? "&useServerPrepStmts=true" : ""));
  }

  @Test
  void linearizableWaitsForTheReadIndexInvisiblyInBothResultSetShapes() throws Exception {
    open(new ReadPolicy(ReadPolicy.Mode.LINEARIZABLE, 2000));
    String gtid = serverGtid();
    assertTrue(!gtid.isEmpty(), "the test server has a binlog position");
    index.set(() -> Future.succeededFuture(gtid));
    try (MiniClient c = MiniClient.login(fx.ro(), null)) { // no CLIENT_DEPRECATE_EOF: EOF packets
      for (int i = 0; i < 3; i++) {
        assertEquals("42", c.query("SELECT v FROM app.t WHERE id = 1"));
      }
    }
    try (Connection c = jdbc(true)) {
      for (int i = 0; i < 3; i++) {
        try (PreparedStatement ps = c.prepareStatement("SELECT v, ? FROM app.t WHERE id = 1")) {
          ps.setInt(1, i);
          try (ResultSet rs = ps.executeQuery()) {
            assertTrue(rs.next());
            assertEquals(42, rs.getInt(1));
            assertEquals(i, rs.getInt(2));
          }
        }
      }
      assertEquals(42, Sql.queryLong(c, "SELECT v FROM app.t WHERE id = 1"));
    }
    assertTrue(asked.get() >= 7, "each statement asked for a read index: " + asked.get());
    assertEquals(0.0, fx.anomalies(), "the injected query's reply never reached the session tracker");
  }

  @Test
  void aReadIndexTheServerNeverReachesGivesAnErrAndTheSessionGoesOn() throws Exception {
    open(new ReadPolicy(ReadPolicy.Mode.LINEARIZABLE, 300));
    index.set(() -> Future.succeededFuture(""));
    try (Connection c = jdbc(false)) {
      index.set(() -> Future.succeededFuture("0-1-999999999"));
      SQLException e = assertThrows(SQLException.class, () -> Sql.queryLong(c, "SELECT v FROM app.t WHERE id = 1"));
      assertTrue(e.getMessage().contains("did not apply 0-1-999999999 within 300 ms"), e.getMessage());
      index.set(() -> Future.failedFuture("no master: an election is under way"));
      e = assertThrows(SQLException.class, () -> Sql.queryLong(c, "SELECT v FROM app.t WHERE id = 1"));
      assertTrue(e.getMessage().contains("cannot get a read index from the master: no master: an election"),
          e.getMessage());
      index.set(() -> Future.succeededFuture(""));
      assertEquals(42, Sql.queryLong(c, "SELECT v FROM app.t WHERE id = 1"));
      // Switching to LOCAL takes effect for the next statement of this open session.
      index.set(() -> Future.failedFuture("must not be asked in LOCAL mode"));
      fx.proxy.applyReadPolicy(ReadPolicy.LOCAL, barrier);
      assertEquals(42, Sql.queryLong(c, "SELECT v FROM app.t WHERE id = 1"));
    }
    assertEquals(2.0, fx.counter("paxosql.proxy.reads.refused", "port", "ro", "reason", "read_index"));
  }

  @Test
  void statementsInsideATransactionShareTheTransactionsReadIndex() throws Exception {
    open(new ReadPolicy(ReadPolicy.Mode.LINEARIZABLE, 2000));
    index.set(() -> Future.succeededFuture(""));
    try (Connection c = jdbc(false)) {
      c.setAutoCommit(false);
      int before = asked.get();
      for (int i = 0; i < 4; i++) {
        Sql.queryLong(c, "SELECT v FROM app.t WHERE id = 1");
      }
      c.commit();
      Sql.queryLong(c, "SELECT v FROM app.t WHERE id = 1");
      c.commit();
      // setAutoCommit(false) itself, then one read index per transaction (its first statement).
      assertTrue(asked.get() - before <= 3, "asked " + (asked.get() - before) + " times for 2 transactions");
    }
  }

  @Test
  void boundedRefusesBeyondTheLimitOnly() throws Exception {
    open(new ReadPolicy(ReadPolicy.Mode.BOUNDED, 1000));
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      lag.set(200);
      assertEquals("42", c.query("SELECT v FROM app.t WHERE id = 1"));
      lag.set(5000);
      IOException e = assertThrows(IOException.class, () -> c.query("SELECT v FROM app.t WHERE id = 1"));
      assertTrue(e.getMessage().contains("5000 ms behind the cluster, more than the RO port's limit of 1000 ms"),
          e.getMessage());
      lag.set(0);
      assertEquals("42", c.query("SELECT v FROM app.t WHERE id = 1"));
    }
    assertEquals(0, asked.get(), "BOUNDED never asks the master");
  }

  /**
   * A client that pipelines statements behind one held for its read index is paused once the gate holds
   * MAX_HELD_BYTES, so TCP slows it down instead of the proxy buffering without bound; once the read index
   * comes, everything runs and the client can finish.
   */
  @Test
  void aClientPipeliningBehindAHeldStatementIsPausedAtTheLimit() throws Exception {
    open(new ReadPolicy(ReadPolicy.Mode.LINEARIZABLE, 60_000));
    io.vertx.core.Promise<String> held = io.vertx.core.Promise.promise();
    index.set(held::future);
    byte[] statement = pipelined(64 * 1024);
    int count = 512; // 32 MiB in all: far beyond the limit and the loopback socket buffers
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      AtomicLong written = new AtomicLong();
      AtomicReference<Throwable> writeFailure = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try {
          java.io.OutputStream out = c.socket.getOutputStream();
          for (int i = 0; i < count; i++) {
            out.write(statement);
            written.addAndGet(statement.length);
          }
          out.flush();
        } catch (IOException e) {
          writeFailure.set(e);
        }
      });
      writer.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (fx.counter("paxosql.proxy.read.gate.pauses", "port", "ro") < 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // Let the client push whatever TCP still takes: until it makes no progress for a second (bounded).
      long before = -1;
      for (int i = 0; i < 30 && written.get() != before && writer.isAlive(); i++) {
        before = written.get();
        Thread.sleep(1000);
      }
      assertTrue(fx.counter("paxosql.proxy.read.gate.pauses", "port", "ro") >= 1, "the gate never paused the client");
      long stuck = written.get();
      assertTrue(stuck < 20L << 20, "the client wrote " + stuck + " bytes while its first statement was held");
      assertTrue(writer.isAlive(), "the writer finished although nothing was released");

      index.set(() -> Future.succeededFuture(""));
      held.complete("");
      java.io.InputStream in = c.socket.getInputStream();
      Thread reader = new Thread(() -> {
        byte[] buf = new byte[1 << 16];
        try {
          while (in.read(buf) >= 0) {
            // replies are discarded: the test only needs the server's answers to keep flowing
          }
        } catch (IOException e) {
          // the socket closes at the end of the test
        }
      });
      reader.setDaemon(true);
      reader.start();
      writer.join(60_000);
      assertTrue(!writer.isAlive() && writeFailure.get() == null,
          "the client could not finish after the release: wrote " + written.get() + ", " + writeFailure.get());
    }
  }

  /** One COM_QUERY packet of {@code size} bytes in all (a SELECT padded with a comment). */
  private static byte[] pipelined(int size) {
    StringBuilder sql = new StringBuilder("SELECT 1 /*");
    while (sql.length() < size - 4 - 1 - 2) {
      sql.append('x');
    }
    sql.append("*/");
    byte[] text = sql.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    int len = text.length + 1;
    byte[] p = new byte[4 + len];
    p[0] = (byte) len;
    p[1] = (byte) (len >> 8);
    p[2] = (byte) (len >> 16);
    p[3] = 0;
    p[4] = 0x03;
    System.arraycopy(text, 0, p, 5, text.length);
    return p;
  }
}
