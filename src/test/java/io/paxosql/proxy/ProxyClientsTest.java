package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.mysql.AuthSwitchRequest;
import io.paxosql.mysql.Packet;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.mysqlclient.MySQLConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients through the proxy to a real MariaDB: each connects, changes database, runs DDL,
 * DML, SELECT, prepared statements, multi-statements and a 20 MB BLOB round trip. The session
 * tracker must follow every packet (no anomaly) and know the schema.
 */
class ProxyClientsTest {
  static final int BLOB = 20 * 1024 * 1024;
  @RegisterExtension static final MariaDbServers SERVERS = new MariaDbServers();
  static MariaDbServer db;
  static ProxyFixture fx;

  @BeforeAll
  static void start() {
    db = SERVERS.start("clients", b -> b.set("max_allowed_packet", "64M"));
    fx = new ProxyFixture(ProxyFixture.settingsFor(db), new MasterRoute.Local("n1"));
  }

  @AfterAll
  static void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  @AfterEach
  void trackerFollowedEverything() {
    assertEquals(0.0, fx.anomalies(), "session tracking anomalies");
    assertEquals(0.0, fx.counter("paxosql.proxy.errors", "kind", "protocol"));
  }

  private static byte[] blob(long seed) {
    byte[] b = new byte[BLOB];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String schemaOfOnlySession() {
    List<SessionInfo> s = fx.sessions();
    assertEquals(1, s.size(), "open sessions: " + s);
    return s.get(0).schema();
  }

  @Test
  void connectorJ() throws Exception {
    String url = "jdbc:mariadb://127.0.0.1:" + fx.rw()
        + "/?user=root&allowMultiQueries=true&useServerPrepStmts=true";
    try (Connection c = DriverManager.getConnection(url)) {
      Sql.exec(c, "CREATE DATABASE jdbc_db");
      c.setCatalog("jdbc_db");
      assertEquals("jdbc_db", Sql.queryString(c, "SELECT DATABASE()"));
      assertEquals("jdbc_db", schemaOfOnlySession());
      Sql.exec(c, "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(50), b LONGBLOB)");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (id, name) VALUES (?, ?)")) {
        for (int i = 1; i <= 20; i++) {
          ps.setInt(1, i);
          ps.setString(2, "name-" + i);
          ps.executeUpdate();
        }
      }
      Sql.exec(c, "UPDATE t SET name = 'changed' WHERE id <= 5");
      Sql.exec(c, "DELETE FROM t WHERE id > 15");
      try (PreparedStatement ps = c.prepareStatement("SELECT name FROM t WHERE id = ?")) {
        ps.setInt(1, 3);
        try (ResultSet rs = ps.executeQuery()) {
          assertTrue(rs.next());
          assertEquals("changed", rs.getString(1));
        }
      }
      try (Statement st = c.createStatement()) {
        assertFalse(st.execute("UPDATE t SET name = 'm' WHERE id = 6; SELECT COUNT(*) FROM t; "
            + "SELECT name FROM t WHERE id = 6"));
        assertTrue(st.getMoreResults());
        try (ResultSet rs = st.getResultSet()) {
          rs.next();
          assertEquals(15, rs.getInt(1));
        }
        assertTrue(st.getMoreResults());
        try (ResultSet rs = st.getResultSet()) {
          rs.next();
          assertEquals("m", rs.getString(1));
        }
      }
      byte[] big = blob(1);
      try (PreparedStatement ps = c.prepareStatement("UPDATE t SET b = ? WHERE id = 1")) {
        ps.setBytes(1, big);
        assertEquals(1, ps.executeUpdate());
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT b FROM t WHERE id = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          assertTrue(rs.next());
          assertArrayEquals(big, rs.getBytes(1));
        }
      }
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT b FROM t WHERE id = 1")) {
        assertTrue(rs.next());
        assertArrayEquals(big, rs.getBytes(1), "text protocol");
      }
      assertEquals("jdbc_db", schemaOfOnlySession());
    }
    assertTrue(fx.counter("paxosql.proxy.bytes", "port", "rw", "direction", "client_to_server") > 2 * BLOB);
    assertTrue(fx.counter("paxosql.proxy.bytes", "port", "rw", "direction", "server_to_client") > 2 * BLOB);
    assertTrue(fx.counter("paxosql.proxy.packets", "port", "rw", "direction", "client_to_server") > 30);
    assertTrue(fx.counter("paxosql.proxy.packets", "port", "rw", "direction", "server_to_client") > 60);
  }

  @Test
  void mariadbCommandLineClient(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("script.sql");
    StringBuilder sql = new StringBuilder();
    sql.append("CREATE DATABASE cli_db;\nUSE cli_db;\n");
    sql.append("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20), b LONGBLOB);\n");
    sql.append("INSERT INTO t (id, v) VALUES (1, 'one'), (2, 'two'), (3, 'three');\n");
    sql.append("UPDATE t SET v = 'TWO' WHERE id = 2;\nDELETE FROM t WHERE id = 3;\n");
    sql.append("PREPARE s FROM 'SELECT v FROM t WHERE id = ?';\nSET @i = 2;\nEXECUTE s USING @i;\n");
    sql.append("DEALLOCATE PREPARE s;\n");
    sql.append("DELIMITER $$\nSELECT COUNT(*) FROM t; SELECT DATABASE()$$\nDELIMITER ;\n");
    Path csv = dir.resolve("rows.csv");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      rows.append(i).append(",row-").append(i).append('\n');
    }
    Files.writeString(csv, rows);
    sql.append("CREATE TABLE loaded (id INT PRIMARY KEY, v VARCHAR(20));\n");
    sql.append("LOAD DATA LOCAL INFILE '").append(csv).append("' INTO TABLE loaded ")
        .append("FIELDS TERMINATED BY ',';\nSELECT COUNT(*) FROM loaded;\n");
    sql.append("INSERT INTO t (id, b) VALUES (4, '");
    Random r = new Random(2);
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder big = new StringBuilder(BLOB);
    for (int i = 0; i < BLOB; i++) {
      big.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    sql.append(big).append("');\n");
    sql.append("SELECT b FROM t WHERE id = 4;\n");
    Files.writeString(script, sql);
    Path out = dir.resolve("out.txt");
    Process p = new ProcessBuilder("mariadb", "--no-defaults", "-h127.0.0.1", "-P" + fx.rw(),
        "-uroot", "--batch", "--skip-column-names", "--max-allowed-packet=64M", "--local-infile=1")
        .redirectInput(script.toFile()).redirectOutput(out.toFile())
        .redirectError(dir.resolve("err.txt").toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "mariadb CLI timed out");
    assertEquals(0, p.exitValue(), () -> "mariadb CLI failed: " + read(dir.resolve("err.txt")));
    List<String> lines = Files.readAllLines(out);
    assertEquals(List.of("TWO", "2", "cli_db", "5000"), lines.subList(0, 4));
    assertEquals(big.toString(), lines.get(4), "20 MB BLOB read back");
  }

  @Test
  void changeUserSwitchesTheTrackedSchema() throws Exception {
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      c.query("CREATE DATABASE IF NOT EXISTS cu_db");
      Buffer changeUser = Buffer.buffer().appendByte((byte) 0x11).appendString("root")
          .appendByte((byte) 0).appendByte((byte) 0).appendString("cu_db").appendByte((byte) 0)
          .appendShortLE((short) 45).appendString("mysql_native_password").appendByte((byte) 0);
      c.write(PacketCodec.encode(0, changeUser));
      Packet answer = c.read();
      if (AuthSwitchRequest.matches(answer.payload())) {
        // MariaDB re-authenticates with a fresh seed; root has no password: empty response.
        c.write(PacketCodec.encode(answer.nextSequenceId(), Buffer.buffer()));
        answer = c.read();
      }
      assertEquals(0, answer.firstByte(), "change user failed: " + answer);
      assertEquals("cu_db", c.query("SELECT DATABASE()"));
      assertEquals("cu_db", schemaOfOnlySession());
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void pyMySql(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("client.py");
    Files.writeString(script, """
        import hashlib, os, sys, pymysql
        from pymysql.constants import CLIENT
        port = int(sys.argv[1])
        c = pymysql.connect(host='127.0.0.1', port=port, user='root', password='',
                            client_flag=CLIENT.MULTI_STATEMENTS, max_allowed_packet=64*1024*1024)
        cur = c.cursor()
        cur.execute('CREATE DATABASE py_db')
        c.select_db('py_db')
        cur.execute('SELECT DATABASE()'); assert cur.fetchone()[0] == 'py_db'
        cur.execute('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20), b LONGBLOB)')
        cur.executemany('INSERT INTO t (id, v) VALUES (%s, %s)', [(i, 'v%d' % i) for i in range(1, 11)])
        cur.execute('UPDATE t SET v = %s WHERE id = %s', ('upd', 2))
        cur.execute('DELETE FROM t WHERE id > 8')
        cur.execute("PREPARE s FROM 'SELECT v FROM t WHERE id = ?'")
        cur.execute('SET @i = 2'); cur.execute('EXECUTE s USING @i'); assert cur.fetchone()[0] == 'upd'
        cur.execute('SELECT COUNT(*) FROM t; SELECT v FROM t WHERE id = 1')
        assert cur.fetchone()[0] == 8
        assert cur.nextset(); assert cur.fetchone()[0] == 'v1'
        big = os.urandom(20 * 1024 * 1024)
        cur.execute('UPDATE t SET b = %s WHERE id = 1', (big,))
        c.commit()
        cur.execute('SELECT b FROM t WHERE id = 1')
        back = cur.fetchone()[0]
        assert hashlib.sha256(back).digest() == hashlib.sha256(big).digest(), 'blob differs'
        print('schema-ok')
        sys.stdout.flush()
        sys.stdin.readline()
        c.close()
        print('done')
        """);
    Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), Integer.toString(fx.rw()))
        .redirectError(dir.resolve("err.txt").toFile()).start();
    var stdout = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
    String first = stdout.readLine();
    assertEquals("schema-ok", first, () -> "PyMySQL failed: " + read(dir.resolve("err.txt")));
    assertEquals("py_db", schemaOfOnlySession());
    p.getOutputStream().write('\n');
    p.getOutputStream().flush();
    assertEquals("done", stdout.readLine());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), () -> read(dir.resolve("err.txt")));
  }

  @Test
  void vertxMySqlClient() throws Exception {
    MySQLConnectOptions options = new MySQLConnectOptions().setHost("127.0.0.1").setPort(fx.rw())
        .setUser("root").setPassword("").setDatabase("");
    MySQLConnection c = await(MySQLConnection.connect(fx.vertx, options));
    try {
      await(c.query("CREATE DATABASE vx_db").execute());
      await(c.specifySchema("vx_db"));
      assertEquals("vx_db", await(c.query("SELECT DATABASE()").execute()).iterator().next()
          .getString(0));
      assertEquals("vx_db", schemaOfOnlySession());
      await(c.query("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20), b LONGBLOB)").execute());
      for (int i = 1; i <= 10; i++) {
        await(c.preparedQuery("INSERT INTO t (id, v) VALUES (?, ?)").execute(Tuple.of(i, "v" + i)));
      }
      await(c.query("UPDATE t SET v = 'x' WHERE id = 3").execute());
      await(c.query("DELETE FROM t WHERE id > 7").execute());
      Row row = await(c.preparedQuery("SELECT v FROM t WHERE id = ?").execute(Tuple.of(3)))
          .iterator().next();
      assertEquals("x", row.getString(0));
      RowSet<Row> multi = await(c.query("SELECT COUNT(*) FROM t; SELECT v FROM t WHERE id = 1")
          .execute());
      assertEquals(7L, multi.iterator().next().getLong(0));
      assertEquals("v1", multi.next().iterator().next().getString(0));
      byte[] big = blob(3);
      await(c.preparedQuery("UPDATE t SET b = ? WHERE id = 1").execute(Tuple.of(Buffer.buffer(big))));
      Buffer back = await(c.preparedQuery("SELECT b FROM t WHERE id = ?").execute(Tuple.of(1)))
          .iterator().next().getBuffer(0);
      assertArrayEquals(big, back.getBytes());
      assertEquals("vx_db", schemaOfOnlySession());
    } finally {
      await(c.close());
    }
  }

  private static <T> T await(Future<T> f) {
    return ProxyFixture.await(f.toCompletionStage().toCompletableFuture());
  }
}
