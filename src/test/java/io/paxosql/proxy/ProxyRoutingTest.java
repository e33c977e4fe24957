package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.Packet;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Retry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Routing, refusals with ERR packets, the internal hop, master changes and limits. */
class ProxyRoutingTest {
  @RegisterExtension static final MariaDbServers SERVERS = new MariaDbServers();
  static MariaDbServer db;
  private final List<ProxyFixture> fixtures = new ArrayList<>();

  @BeforeAll
  static void start() {
    db = SERVERS.start("routing", b -> { });
  }

  @AfterEach
  void closeFixtures() {
    fixtures.forEach(ProxyFixture::close);
  }

  private ProxyFixture proxy(ProxySettings s, MasterRoute route) {
    ProxyFixture f = new ProxyFixture(s, route);
    fixtures.add(f);
    return f;
  }

  private static ErrPacket firstPacketIsErr(int port) throws IOException {
    try (MiniClient c = MiniClient.open(port)) {
      Packet p = c.read();
      assertTrue(ErrPacket.matches(p.payload()), "expected an ERR packet, got " + p);
      assertEquals(0, p.sequenceId());
      return ErrPacket.decode(p.payload(), 0);
    }
  }

  @Test
  void noMasterGivesAnErrPacketSayingWhy() throws Exception {
    ProxyFixture fx = proxy(ProxyFixture.settingsFor(db),
        new MasterRoute.None("no node holds the master lease"));
    ErrPacket err = firstPacketIsErr(fx.rw());
    assertEquals("HY000", err.sqlState());
    assertEquals("no master: no node holds the master lease", err.message());
    SQLException e = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + fx.rw() + "/?user=root"));
    assertTrue(e.getMessage().contains("no master: no node holds the master lease"), e.getMessage());
    // the RO port does not need a master
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      assertEquals("1", c.query("SELECT 1"));
    }
    assertEquals(2.0, fx.counter("paxosql.proxy.connections.refused", "port", "rw", "reason", "no_master"));
    Retry.waitFor("open connections back to 0", ProxyFixture.PATIENCE, () -> fx.proxy.openConnections(ProxyRole.RW) == 0);
  }

  @Test
  void unreachableMasterGivesAnErrPacket() throws Exception {
    int dead = FreePorts.next();
    ProxyFixture fx = proxy(ProxyFixture.settingsFor(db),
        new MasterRoute.Remote("n2", "127.0.0.1", dead));
    ErrPacket err = firstPacketIsErr(fx.rw());
    assertTrue(err.message().startsWith("no master: master node n2 at 127.0.0.1:" + dead
        + " is unreachable"), err.message());
    assertEquals("HY000", err.sqlState());
  }

  @Test
  void masterThatClosesBeforeItsGreetingGivesAnErrPacket() throws Exception {
    // A listener that accepts and hangs up at once, as a backend does while it stops.
    try (ServerSocket rude = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try (Socket s = rude.accept()) {
          // closed unread
        } catch (IOException closed) {
          // the test ended
        }
      }, "rude-master");
      acceptor.setDaemon(true);
      acceptor.start();
      ProxyFixture fx = proxy(ProxyFixture.settingsFor(db),
          new MasterRoute.Remote("n4", "127.0.0.1", rude.getLocalPort()));
      ErrPacket err = firstPacketIsErr(fx.rw());
      assertTrue(err.message().contains("master node n4 closed the connection before its greeting"), err.message());
      acceptor.join(ProxyFixture.PATIENCE.toMillis());
    }
  }

  @Test
  void masterThatDoesNotAnswerTimesOutWithinTheConnectTimeout() throws Exception {
    // A listener that never accepts: once its backlog is full the kernel drops further SYNs.
    try (ServerSocket silent = new ServerSocket(0, 1,
        InetAddress.getLoopbackAddress())) {
      List<Socket> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          Socket f = new Socket();
          try {
            f.connect(silent.getLocalSocketAddress(), 300);
          } catch (IOException full) {
            break;
          }
          fillers.add(f);
        }
        ProxyFixture fx = proxy(ProxyFixture.settingsFor(db).withLimits(100,
            Duration.ofMillis(700), Duration.ZERO, 1L << 30),
            new MasterRoute.Remote("n3", "127.0.0.1", silent.getLocalPort()));
        long start = System.nanoTime();
        ErrPacket err = firstPacketIsErr(fx.rw());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(err.message().startsWith("no master: master node n3"), err.message());
        assertTrue(err.message().contains("timed out"), err.message());
        assertTrue(millis >= 600, "answered after " + millis + " ms, before the connect timeout");
      } finally {
        for (Socket f : fillers) {
          f.close();
        }
      }
    }
  }

  @Test
  void rwThroughTheMastersInternalPortKeepsTheClientAddress() throws Exception {
    ProxyFixture master = proxy(ProxyFixture.settingsFor(db).withPorts(-1, -1, 0),
        new MasterRoute.Local("b"));
    ProxyFixture front = proxy(ProxyFixture.settingsFor(db).withPorts(0, -1, -1),
        new MasterRoute.Remote("b", "127.0.0.1", master.port(ProxyRole.INTERNAL)));
    try (MiniClient c = MiniClient.login(front.rw(), "mysql")) {
      String host = c.query("SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()");
      assertEquals("127.0.0.1:" + c.socket.getLocalPort(), host,
          "MariaDB must see the client's own address through both hops");
      assertEquals("mysql", c.query("SELECT DATABASE()"));
      assertEquals("mysql", master.sessions().get(0).schema());
      assertEquals("mysql", front.sessions().get(0).schema());
    }
  }

  @Test
  void masterChangeClosesConnectionsToTheOldMaster() throws Exception {
    ProxyFixture b = proxy(ProxyFixture.settingsFor(db).withPorts(-1, -1, 0), new MasterRoute.Local("b"));
    ProxyFixture a = proxy(ProxyFixture.settingsFor(db).withPorts(0, -1, 0),
        new MasterRoute.Remote("b", "127.0.0.1", b.port(ProxyRole.INTERNAL)));
    try (MiniClient old = MiniClient.login(a.rw(), null)) {
      assertEquals("1", old.query("SELECT 1"));
      a.locator.set(new MasterRoute.Local("a"));
      b.locator.set(new MasterRoute.Remote("a", "127.0.0.1", a.port(ProxyRole.INTERNAL)));
      assertThrows(IOException.class, old::read, "old session must be closed");
      Retry.waitFor("internal sessions on the old master closed", ProxyFixture.PATIENCE,
          () -> b.proxy.openConnections(ProxyRole.INTERNAL) == 0);
      assertEquals(1.0, a.counter("paxosql.proxy.errors", "port", "rw", "kind", "master_changed"));
    }
    try (MiniClient fresh = MiniClient.login(a.rw(), null)) {
      assertEquals("2", fresh.query("SELECT 2"));
    }
    try (MiniClient viaHop = MiniClient.open(b.port(ProxyRole.INTERNAL))) {
      viaHop.write(new ProxyProtocolHeader("127.0.0.1", 5000, "127.0.0.1", 6401).encode());
      ErrPacket err = ErrPacket.decode(viaHop.read().payload(), 0);
      assertTrue(err.message().startsWith("no master: this node is not the master"), err.message());
    }
    ErrPacket noHeader = firstPacketIsErr(b.port(ProxyRole.INTERNAL));
    assertTrue(noHeader.message().contains("expects a PROXY protocol line"), noHeader.message());
  }

  @Test
  void tooManyConnectionsGetsErr1040() throws Exception {
    ProxyFixture fx = proxy(ProxyFixture.settingsFor(db).withLimits(2, Duration.ofSeconds(2),
        Duration.ZERO, 1L << 30), new MasterRoute.Local("n1"));
    try (MiniClient one = MiniClient.login(fx.ro(), null);
        MiniClient two = MiniClient.login(fx.ro(), null)) {
      ErrPacket err = firstPacketIsErr(fx.ro());
      assertEquals(ErrPacket.ER_CON_COUNT_ERROR, err.errorCode());
      assertEquals("Too many connections", err.message());
      assertEquals("1", one.query("SELECT 1"));
    }
    Retry.waitFor("slots freed", ProxyFixture.PATIENCE, () -> fx.proxy.openConnections(ProxyRole.RO) == 0);
    try (MiniClient again = MiniClient.login(fx.ro(), null)) {
      assertEquals("1", again.query("SELECT 1"));
    }
    assertEquals(1.0, fx.counter("paxosql.proxy.connections.refused", "port", "ro", "reason", "limit"));
  }

  @Test
  void aRaisedConnectionLimitAppliesWithoutRestart() throws Exception {
    ProxyFixture fx = proxy(ProxyFixture.settingsFor(db).withLimits(1, Duration.ofSeconds(2),
        Duration.ZERO, 1L << 30), new MasterRoute.Local("n1"));
    try (MiniClient one = MiniClient.login(fx.ro(), null)) {
      assertEquals(ErrPacket.ER_CON_COUNT_ERROR, firstPacketIsErr(fx.ro()).errorCode());
      fx.proxy.applyLimits(2, Duration.ofSeconds(2), Duration.ZERO);
      try (MiniClient two = MiniClient.login(fx.ro(), null)) {
        assertEquals("1", two.query("SELECT 1"), "the second connection is admitted after the live change");
        assertEquals("1", one.query("SELECT 1"), "the open session was not disturbed");
      }
    }
  }

  @Test
  void anIdleTimeoutSetLiveClosesOpenIdleSessions() throws Exception {
    ProxyFixture fx = proxy(ProxyFixture.settingsFor(db).withLimits(10, Duration.ofSeconds(2),
        Duration.ZERO, 1L << 30), new MasterRoute.Local("n1"));
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      assertEquals("1", c.query("SELECT 1"));
      fx.proxy.applyLimits(10, Duration.ofSeconds(2), Duration.ofMillis(300));
      assertThrows(IOException.class, c::read, "the idle session must be closed");
    }
    Retry.waitFor("closed", ProxyFixture.PATIENCE, () -> fx.proxy.openConnections(ProxyRole.RO) == 0);
  }

  @Test
  void internalPortRefusesNonMembers() throws Exception {
    ProxyFixture fx = proxy(ProxyFixture.settingsFor(db).withPorts(-1, -1, 0)
        .withMembers(Set.of("10.9.9.9")), new MasterRoute.Local("n1"));
    ErrPacket err = firstPacketIsErr(fx.port(ProxyRole.INTERNAL));
    assertEquals(1130, err.errorCode());
    assertTrue(err.message().contains("not a cluster member"), err.message());
  }

  @Test
  void idleConnectionsAreClosed() throws Exception {
    ProxyFixture fx = proxy(ProxyFixture.settingsFor(db).withLimits(10, Duration.ofSeconds(2),
        Duration.ofMillis(500), 1L << 30), new MasterRoute.Local("n1"));
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      assertEquals("1", c.query("SELECT 1"));
      long start = System.nanoTime();
      assertThrows(IOException.class, c::read);
      assertTrue(System.nanoTime() - start < 10_000_000_000L);
    }
    Retry.waitFor("closed", ProxyFixture.PATIENCE, () -> fx.proxy.openConnections(ProxyRole.RO) == 0);
  }
}
