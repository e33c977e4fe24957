package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.Packet;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Garbage, truncation, huge announcements and connection storms: the proxy keeps serving. */
class ProxyBadInputTest {
  static final long MAX_PACKET = 32L << 20;
  @RegisterExtension static final MariaDbServers SERVERS = new MariaDbServers();
  static MariaDbServer db;
  static ProxyFixture fx;

  @BeforeAll
  static void start() {
    db = SERVERS.start("badinput", b -> b
        .set("max_connections", "2000"));
    fx = new ProxyFixture(ProxyFixture.settingsFor(db).withLimits(5000, Duration.ofSeconds(3),
        Duration.ZERO, MAX_PACKET), new MasterRoute.Local("n1"));
  }

  @AfterAll
  static void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  @AfterEach
  void proxyStillServesAndCountsBackToZero() throws Exception {
    Retry.waitFor("open connections back to 0, now " + fx.proxy.openConnections(ProxyRole.RO),
        ProxyFixture.PATIENCE, () -> fx.proxy.openConnections(ProxyRole.RO) == 0 && fx.proxy.openConnections(ProxyRole.RW) == 0);
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      assertEquals("42", c.query("SELECT 42"));
    }
  }

  /** Reads until the connection ends; returns the ERR seen on the way, if any. */
  private static ErrPacket drainUntilClosed(MiniClient c) {
    ErrPacket err = null;
    try {
      while (true) {
        Packet p = c.read();
        if (ErrPacket.matches(p.payload())) {
          err = ErrPacket.decode(p.payload(), 0);
        }
      }
    } catch (IOException | RuntimeException closed) {
      return err;
    }
  }

  @Test
  void randomBytesInsteadOfAHandshakeResponse() throws Exception {
    Random random = new Random(9);
    for (int i = 0; i < 5; i++) {
      try (MiniClient c = MiniClient.open(fx.ro())) {
        c.read();
        byte[] junk = new byte[1 + random.nextInt(50_000)];
        random.nextBytes(junk);
        try {
          c.write(junk, 0, junk.length);
        } catch (IOException reset) {
          // the proxy or MariaDB may cut us off mid-write
        }
        drainUntilClosed(c);
      }
    }
  }

  @Test
  void randomBytesAfterLogin() throws Exception {
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      byte[] junk = new byte[100_000];
      new Random(10).nextBytes(junk);
      try {
        c.write(junk, 0, junk.length);
      } catch (IOException reset) {
        // expected sometimes
      }
      drainUntilClosed(c);
    }
  }

  @Test
  void truncatedHandshakeResponse() throws Exception {
    try (MiniClient c = MiniClient.open(fx.ro())) {
      c.read();
      byte[] half = {(byte) 0xC7, 0, 0, 1, 5, (byte) 0xA2, 0x38};
      c.write(half, 0, half.length);
    }
  }

  @Test
  void packetAnnouncingOneGigabyteIsCutAtTheMaximum() throws Exception {
    try (MiniClient c = MiniClient.login(fx.rw(), null)) {
      byte[] fragment = new byte[PacketCodec.MAX_FRAGMENT];
      fragment[0] = 0x03;
      try {
        // 64 full fragments would be 1 GB; the proxy must refuse once the total passes 32 MB.
        for (int seq = 0; seq < 64; seq++) {
          Buffer header = Buffer.buffer().appendMediumLE(PacketCodec.MAX_FRAGMENT).appendByte((byte) seq);
          c.write(header);
          c.write(fragment, 0, fragment.length);
        }
      } catch (IOException cut) {
        // the proxy closed the connection: what we want
      }
      ErrPacket err = drainUntilClosed(c);
      if (err != null) {
        assertEquals(ErrPacket.ER_NET_PACKET_TOO_LARGE, err.errorCode());
      }
    }
    Retry.waitFor("packet-too-large counted", ProxyFixture.PATIENCE,
        () -> fx.counter("paxosql.proxy.errors", "port", "rw", "kind", "protocol") >= 1);
  }

  @Test
  void clientVanishingMidPacket() throws Exception {
    long before;
    try (Connection direct = Sql.root(db)) {
      before = Sql.queryLong(direct, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
          + "WHERE VARIABLE_NAME = 'THREADS_CONNECTED'");
      try (MiniClient c = MiniClient.login(fx.ro(), null)) {
        Buffer header = Buffer.buffer().appendMediumLE(1000).appendByte((byte) 0).appendByte((byte) 3)
            .appendString("SELECT '");
        c.write(header);
      }
      Retry.waitFor("backend connection closed too", ProxyFixture.PATIENCE, () -> {
        try {
          return Sql.queryLong(direct, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
              + "WHERE VARIABLE_NAME = 'THREADS_CONNECTED'") == before;
        } catch (SQLException e) {
          throw new AssertionError(e);
        }
      });
    }
  }

  @Test
  void thousandConnectionsOpenedAndDroppedAtOnce() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      sockets.add(new Socket("127.0.0.1", i % 2 == 0 ? fx.ro() : fx.rw()));
    }
    for (Socket s : sockets) {
      s.setSoLinger(true, 0);
      s.close();
    }
    Retry.waitFor("all 1000 gone", ProxyFixture.PATIENCE, () -> fx.proxy.openConnections(ProxyRole.RO) == 0
        && fx.proxy.openConnections(ProxyRole.RW) == 0);
    assertTrue(fx.counter("paxosql.proxy.connections.total", "port", "ro") >= 500);
  }
}
