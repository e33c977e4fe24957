package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.mysql.Command;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Retry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client that stops reading makes the proxy stop reading from MariaDB. */
class ProxyBackpressureTest {
  static final int RESULT = 48 * 1024 * 1024;
  @RegisterExtension static final MariaDbServers SERVERS = new MariaDbServers();
  static MariaDbServer db;
  static ProxyFixture fx;

  @BeforeAll
  static void start() {
    db = SERVERS.start("backpressure", b -> b.set("max_allowed_packet", "64M"));
    fx = new ProxyFixture(ProxyFixture.settingsFor(db), new MasterRoute.Local("n1"));
  }

  @AfterAll
  static void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private static double fromServer() {
    return fx.counter("paxosql.proxy.bytes", "port", "ro", "direction", "server_to_client");
  }

  @Test
  void slowClientPausesTheServerSide() throws Exception {
    try (MiniClient c = MiniClient.login(fx.ro(), null)) {
      c.socket.setReceiveBufferSize(64 * 1024);
      double before = fromServer();
      c.write(PacketCodec.encode(0, Command.Query.of("SELECT REPEAT('x', " + RESULT + ")").encode()));
      // MariaDB produces the 48 MB row at once; what the proxy has read of it must stall at
      // roughly socket buffers plus its write queue while we are not reading.
      Retry.waitFor("the proxy read some of the result", ProxyFixture.PATIENCE, () -> fromServer() - before > 1e6);
      double seen = -1;
      for (int i = 0; i < 10; i++) {
        double now = fromServer() - before;
        if (now == seen) {
          break;
        }
        seen = now;
        Thread.sleep(300);
      }
      double stalled = fromServer() - before;
      assertTrue(stalled < RESULT / 2.0, "proxy kept reading from MariaDB although the client did "
          + "not read: " + (long) stalled + " bytes");
      String value = c.readResult();
      assertEquals(RESULT, value.length());
      assertTrue(fromServer() - before >= RESULT);
    }
  }
}
