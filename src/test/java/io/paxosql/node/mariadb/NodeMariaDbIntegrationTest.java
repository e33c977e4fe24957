package io.paxosql.node.mariadb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.config.NodeConfig;
import io.paxosql.config.NodeConfigLoader;
import io.paxosql.config.SecretNames;
import io.paxosql.node.secret.SecretFile;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.vertx.core.Vertx;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A node's MariaDB: starts as a read-only follower, and fencing rolls back an unacknowledged commit. */
class NodeMariaDbIntegrationTest {
  private Vertx vertx;
  private Path dir;
  private NodeMariaDb db;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory(Path.of("/tmp"), "pxs-node-");
    int p = FreePorts.next();
    String yaml = """
        clusterId: t
        nodeId: 1
        dataDir: %s
        ports: { rw: %d, ro: %d, paxos: %d, binlog: %d, admin: %d, internal: %d }
        members: [ { id: 1, host: 127.0.0.1, paxos: %d, internal: %d, admin: %d } ]
        mariadb: { port: %d }
        replication: { user: paxosql_repl }
        tls: { mode: off }
        """.formatted(dir, FreePorts.next(), FreePorts.next(), p, FreePorts.next(), FreePorts.next(),
        FreePorts.next(), p, FreePorts.next(), FreePorts.next(), FreePorts.next());
    NodeConfig config = NodeConfigLoader.parse(yaml, "test", dir);
    db = new NodeMariaDb(vertx, config);
  }

  @AfterEach
  void tearDown() throws Exception {
    db.server().kill();
    db.close();
    vertx.close().await(30, TimeUnit.SECONDS);
    MariaDbServers.deleteTree(dir); // each case left its ~100 MB node dir in /tmp
  }

  /** root with the password the node generated in its data dir. */
  private Connection root() throws Exception {
    return Sql.connect(db.server().port(), "root", SecretFile.read(SecretNames.rootPassword(dir)));
  }

  @Test
  void startsReadOnlyWithALocalReplicationAccountAndNoGtid() throws Exception {
    db.startAsFollower().await(120, TimeUnit.SECONDS);
    assertTrue(db.control().readOnly().await(10, TimeUnit.SECONDS));
    assertEquals("", db.control().gtidBinlogPos().await(10, TimeUnit.SECONDS), "no local GTID may exist");
    try (Connection c = Sql.connect(db.server().port(), "paxosql_repl", db.replicationPassword())) {
      assertEquals("1", Sql.queryString(c, "SELECT 1"));
    }
    try (Connection c = root()) {
      assertEquals(4, Sql.queryLong(c, "SELECT @@slave_parallel_threads"));
      assertEquals("optimistic", Sql.queryString(c, "SELECT @@slave_parallel_mode"));
    }
    // A second start of the same node (its JVM died, MariaDB kept running) kills the leftover first.
    NodeMariaDb again = new NodeMariaDb(vertx, db.config());
    again.startAsFollower().await(120, TimeUnit.SECONDS);
    assertTrue(again.isRunning());
    again.server().kill();
    again.close();
  }

  /**
   * Issue 15: root is never reachable without this node's password (0600 in its data dir), over TCP or
   * the socket, and the accounts are set at every start: a data dir whose accounts carry other passwords
   * (a restored backup, a node from before passwords) takes this node's at its next start.
   */
  @Test
  void rootNeedsTheNodesPasswordWhichEveryStartSets() throws Exception {
    db.startAsFollower().await(120, TimeUnit.SECONDS);
    Path rootFile = SecretNames.rootPassword(dir);
    for (Path f : new Path[] {rootFile, SecretNames.replicationPassword(dir)}) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
    }
    String first = SecretFile.read(rootFile);
    SQLException refused = assertThrows(SQLException.class, () -> Sql.connect(db.server().port(), "root", ""));
    assertTrue(refused.getMessage().contains("Access denied"), refused.getMessage());
    assertThrows(SQLException.class, () -> Sql.connect(db.server().port(), "root", "wrong"));
    Process socket = new ProcessBuilder("mariadb", "--no-defaults", "-S", db.server().config().socketPath().toString(),
        "-uroot", "-e", "SELECT 1").redirectErrorStream(true).start();
    assertTrue(socket.waitFor(30, TimeUnit.SECONDS));
    String out = new String(socket.getInputStream().readAllBytes());
    assertTrue(socket.exitValue() != 0 && out.contains("Access denied"), "root over the socket: " + out);
    assertFalse(Files.exists(db.server().baseDir().resolve("accounts.sql")), "the init file is gone after start");
    try (Connection c = root()) {
      assertEquals(0, Sql.queryLong(c, "SELECT COUNT(*) FROM mysql.user WHERE User='' OR (User='root' AND "
          + "(authentication_string='' OR Host NOT IN ('localhost','127.0.0.1','::1')))"), "no open root or anonymous");
      assertEquals("", Sql.queryString(c, "SELECT @@gtid_binlog_pos"), "setting accounts wrote no GTID");
    }

    db.server().stop();
    Files.delete(rootFile);
    db.close();
    db = new NodeMariaDb(vertx, db.config());
    db.startAsFollower().await(120, TimeUnit.SECONDS);
    String second = SecretFile.read(rootFile);
    assertTrue(!second.equals(first), "a new password was generated");
    assertThrows(SQLException.class, () -> Sql.connect(db.server().port(), "root", first));
    try (Connection c = root()) {
      assertEquals("", Sql.queryString(c, "SELECT @@gtid_binlog_pos"));
    }
  }

  /** The seed's phantom read: a commit waiting for its ACK must never become visible after fencing. */
  @Test
  void fencingRollsBackACommitThatWaitsForItsAck() throws Exception {
    WaitingCommit w = commitWaitingForItsAck();

    db.fence().await(120, TimeUnit.SECONDS);
    assertThrows(Exception.class, () -> w.commit().get(30, TimeUnit.SECONDS), "the client lost its connection");
    w.writer().close();
    try (Connection c = root()) {
      assertEquals(1, Sql.queryLong(c, "SELECT COUNT(*) FROM d.t"), "the unacknowledged row is gone");
      assertEquals(w.before(), Sql.queryString(c, "SELECT @@gtid_binlog_pos"), "and truncated from the binlog");
      assertEquals(1, Sql.queryLong(c, "SELECT @@read_only"));
    }
  }

  /**
   * Issue 12: a mariadbd killed while a commit is prepared in InnoDB (here one waiting for its
   * semi-sync ACK), after its shutdown had already closed the binlog - the binlog header says "closed
   * properly", so mariadbd runs no binlog crash recovery and refuses to start ("Found 1 prepared
   * transactions! ... You have to start server with --tc-heuristic-recover switch"). The node's MariaDB
   * must start by itself, the prepared transaction rolled back and cut from the binlog, as a fence does.
   */
  @Test
  void aPreparedTransactionStrandedBehindAClosedBinlogIsRolledBackAtStart() throws Exception {
    WaitingCommit w = commitWaitingForItsAck();
    db.server().kill();
    assertThrows(Exception.class, () -> w.commit().get(30, TimeUnit.SECONDS), "the client lost its connection");
    w.writer().close();
    Path lastBinlog = BinlogInUseFlag.lastBinlog(db.server().config().dataDir(), db.server().config().binlogIndex());
    assertTrue(BinlogInUseFlag.isSet(lastBinlog), "a crashed binlog is still marked in use");
    markClosed(lastBinlog);
    assertFalse(BinlogInUseFlag.isSet(lastBinlog));
    long logOffset = Files.size(db.server().errorLog());

    db.startAsFollower().await(120, TimeUnit.SECONDS);

    String log = Files.readString(db.server().errorLog()).substring((int) logOffset);
    assertTrue(log.contains("Found 1 prepared transactions!"), "the stranded transaction was met:\n" + log);
    assertTrue(log.contains("Successfully truncated binlog file"), "and cut from the binlog:\n" + log);
    try (Connection c = root()) {
      assertEquals(1, Sql.queryLong(c, "SELECT COUNT(*) FROM d.t"), "the unacknowledged row is rolled back");
      assertEquals(w.before(), Sql.queryString(c, "SELECT @@gtid_binlog_pos"), "and truncated from the binlog");
      assertEquals(1, Sql.queryLong(c, "SELECT @@read_only"));
    }
  }

  /** A commit the server holds for a semi-sync ACK that never comes, and the binlog position before it. */
  private record WaitingCommit(String before, Connection writer, CompletableFuture<Void> commit) {}

  /**
   * Starts the node's MariaDB as a follower with one row, then makes it a semi-sync master with no
   * replica and commits a second row: the commit is written to the binlog and waits for its ACK forever
   * (AFTER_SYNC), its row invisible. Returns once the binlog holds it.
   */
  private WaitingCommit commitWaitingForItsAck() throws Exception {
    db.startAsFollower().await(120, TimeUnit.SECONDS);
    try (Connection c = root()) {
      Sql.exec(c, "CREATE DATABASE d");
      Sql.exec(c, "CREATE TABLE d.t (k INT PRIMARY KEY)");
      Sql.exec(c, "INSERT INTO d.t VALUES (1)");
    }
    String before = db.control().gtidBinlogPos().await(10, TimeUnit.SECONDS);
    db.control().enableSemiSyncMaster().await(10, TimeUnit.SECONDS);
    db.control().setReadOnly(false).await(10, TimeUnit.SECONDS);
    Connection writer = root();
    CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
      try {
        Sql.exec(writer, "INSERT INTO d.t VALUES (2)");
      } catch (SQLException e) {
        throw new RuntimeException(e);
      }
    });
    try (Connection c = root()) {
      Retry.until("the waiting commit in the binlog", Duration.ofSeconds(30), () -> {
        if (Sql.queryString(c, "SELECT @@gtid_binlog_pos").equals(before)) {
          throw new IllegalStateException("gtid_binlog_pos still " + before);
        }
        return null;
      });
      assertEquals(1, Sql.queryLong(c, "SELECT COUNT(*) FROM d.t"), "the waiting row is invisible");
    }
    return new WaitingCommit(before, writer, commit);
  }

  /**
   * Clears the "in use" flag in the binlog's format description header, as mariadbd's own clean close
   * of the binlog does (one byte at offset 4 + 17), leaving the file otherwise as the crash left it.
   */
  private static void markClosed(Path binlog) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(binlog.toFile(), "rw")) {
      f.seek(4 + 17);
      int flags = f.read();
      f.seek(4 + 17);
      f.write(flags & ~1);
    }
  }
}
