package io.paxosql.binlog.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.binlog.capture.MasterLogin;
import io.paxosql.binlog.log.InMemoryTransactionLog;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.binlog.net.PacketChannel;
import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.binlog.server.BinlogServerConfig;
import io.paxosql.mysql.TextResultSet;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bad peers and a bad log get clear errors; the binlog server keeps serving the good replica B. */
class BadInputIntegrationTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();

  /** Bytes the server sends back until it closes the connection (bounded by a read timeout). */
  private static String exchange(int port, byte[] send) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write(send);
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      for (int n; (n = in.read(buf)) > 0; ) {
        got.write(buf, 0, n);
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Connects a replica client to a binlog server from {@code start}; returns the error it ends with. */
  private static String probe(Rig rig, int port, GtidState start, List<Transaction> received) throws Exception {
    Capture c = new Capture(rig.vertx, new CaptureConfig("127.0.0.1", port, Rig.RELAY_USER, Rig.RELAY_PASSWORD, 4010,
        1000, 200, start), tx -> {
          received.add(tx);
          return Future.succeededFuture();
        });
    c.start();
    try {
      for (int i = 0; i < 200; i++) {
        String e = c.lastError();
        if (e != null && e.contains("1236")) {
          return e;
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
      throw new AssertionError("no 1236 error from the binlog server; last error: " + c.lastError());
    } finally {
      c.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** A second connection to the binlog server running one statement, as STOP SLAVE's KILL does. */
  private static CompletableFuture<TextResultSet> adminQuery(Rig rig,
      String sql) {
    Promise<TextResultSet> done = Promise.promise();
    // Everything on one event-loop context, so the channel exists before the greeting arrives.
    rig.vertx.getOrCreateContext().runOnContext(v -> rig.vertx.createNetClient()
        .connect(rig.serverPort, "127.0.0.1")
        .compose(socket -> {
          PacketChannel ch = new PacketChannel(socket, 1 << 20);
          return MasterLogin.login(ch, Rig.RELAY_USER, Rig.RELAY_PASSWORD)
              .compose(id -> MasterLogin.query(ch, sql))
              .eventually(ch::close);
        })
        .onComplete(done));
    return done.future().toCompletionStage().toCompletableFuture();
  }

  @Test
  void badPeersAndACorruptLogGetClearErrorsWhileBKeepsReplicating() throws Exception {
    try (Rig rig = new Rig().master(servers).capture(log -> log::append).binlogServer().replica(servers)) {
      try (Connection a = Sql.root(rig.a)) {
        Sql.exec(a, "CREATE DATABASE g");
        Sql.exec(a, "CREATE TABLE g.t (id INT PRIMARY KEY, v VARCHAR(20))");
        for (int i = 0; i < 20; i++) {
          Sql.exec(a, "INSERT INTO g.t VALUES (" + i + ", 'v" + i + "')");
        }
      }
      Rig.awaitCaughtUp(rig.a, rig.b, 60);

      // A framed packet that is no handshake response: ERR 1043 and close.
      byte[] junk = new byte[14];
      new Random(1).nextBytes(junk);
      junk[0] = 10;
      junk[1] = 0;
      junk[2] = 0;
      junk[3] = 1;
      String reply = exchange(rig.serverPort, junk);
      assertTrue(reply.contains("Bad handshake"), reply);
      // Random bytes announcing a packet larger than a login may be: the server hangs up.
      byte[] noise = new byte[4096];
      new Random(2).nextBytes(noise);
      noise[0] = (byte) 0xff;
      noise[1] = (byte) 0xff;
      noise[2] = (byte) 0x7f;
      exchange(rig.serverPort, noise);

      SQLException denied = assertThrows(SQLException.class, () -> DriverManager.getConnection(
          "jdbc:mariadb://127.0.0.1:" + rig.serverPort + "/", Rig.RELAY_USER, "wrong-password"));
      assertTrue(denied.getMessage().contains("Access denied for user 'relay'"), denied.getMessage());

      List<Transaction> got = new ArrayList<>();
      String unknown = probe(rig, rig.serverPort, GtidState.parse("7-1-1"), got);
      assertTrue(unknown.contains("no transaction in domain 7"), unknown);
      long aServer = rig.log.retained().after().get(0).serverId();
      String diverged = probe(rig, rig.serverPort, GtidState.parse("0-" + aServer + "-999999"), got);
      assertTrue(diverged.contains("diverged"), diverged);
      assertTrue(got.isEmpty(), "refused replicas received nothing");

      // KILL <id> from a second connection, as STOP SLAVE sends it: B's dump connection ends, B reconnects.
      Set<Long> before = rig.server.connectionIds();
      assertEquals(1, before.size(), before.toString());
      adminQuery(rig, "KILL " + before.iterator().next()).get(10, TimeUnit.SECONDS);
      var unknownKill = adminQuery(rig, "KILL 424242");
      Throwable noSuch = assertThrows(Exception.class, () -> unknownKill.get(10, TimeUnit.SECONDS)).getCause();
      assertTrue(noSuch.getMessage().contains("Unknown thread id: 424242"), noSuch.getMessage());

      // A log whose event fails its checksum: that dump stops with 1236 naming the entry; nothing is sent.
      InMemoryTransactionLog bad = new InMemoryTransactionLog();
      List<LogEntry> entries = rig.log.read(1, 10).result();
      for (LogEntry e : entries) {
        List<byte[]> events = new ArrayList<>(e.transaction().events());
        if (e.sequence() == 3) {
          byte[] flipped = events.get(1).clone();
          flipped[flipped.length / 2] ^= 0x10;
          events.set(1, flipped);
        }
        Transaction t = e.transaction();
        bad.append(new Transaction(t.gtid(), events, t.sourceFile(), t.sourceEndPos()));
      }
      BinlogServer badServer = new BinlogServer(rig.vertx, BinlogServerConfig.of(FreePorts.next(), Rig.RELAY_USER,
          Rig.RELAY_PASSWORD, 4003), bad);
      int badPort = badServer.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      List<Transaction> fromBad = new ArrayList<>();
      String corrupt = probe(rig, badPort, GtidState.EMPTY, fromBad);
      badServer.stop();
      assertTrue(corrupt.contains("log entry 3") && corrupt.contains("corrupt"), corrupt);
      assertEquals(2, fromBad.size(), "the two entries before the corrupt one arrived whole");

      // Retention: once the log drops its head, replicas that need it are told so, by name.
      rig.log.purgeBefore(5);
      String purged = probe(rig, rig.serverPort, GtidState.parse("0-" + aServer + "-2"), got);
      assertTrue(purged.contains("0-" + aServer + "-2, which is no longer retained"), purged);
      String fromScratch = probe(rig, rig.serverPort, GtidState.EMPTY, got);
      assertTrue(fromScratch.contains("needs it from the start, but the log purged it"), fromScratch);
      assertTrue(got.isEmpty(), "refused replicas received nothing");

      try (Connection a = Sql.root(rig.a)) {
        Sql.exec(a, "INSERT INTO g.t VALUES (100, 'after')");
      }
      Rig.awaitCaughtUp(rig.a, rig.b, 60);
      EndToEndIntegrationTest.assertSameData(rig, "after bad input");
      assertFalse(rig.server.connectionIds().isEmpty(), "B is connected again");
    }
  }
}
