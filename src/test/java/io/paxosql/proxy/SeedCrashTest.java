package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.mysql.Command;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import io.vertx.core.buffer.Buffer;
import java.sql.Connection;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PhxSQL's proxy took every 16 KB read for the start of a packet; a continuation read of a large
 * COM_QUERY with 0x02 at byte 4 looked like COM_INIT_DB and crashed it. Here the same bytes go
 * through our proxy to a real MariaDB.
 */
class SeedCrashTest {
  @RegisterExtension static final MariaDbServers SERVERS = new MariaDbServers();
  static MariaDbServer db;
  static ProxyFixture fx;

  @BeforeAll
  static void start() throws Exception {
    db = SERVERS.start("seed", b -> b.set("max_allowed_packet", "64M"));
    try (Connection c = Sql.root(db)) {
      Sql.exec(c, "CREATE DATABASE seedcrash");
    }
    fx = new ProxyFixture(ProxyFixture.settingsFor(db), new MasterRoute.Local("n1"));
  }

  @AfterAll
  static void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  @Test
  void largeQueryWithInitDbLookalikesAndSplitInitDb() throws Exception {
    try (MiniClient c = MiniClient.login(fx.rw(), null)) {
      int readSize = 16 * 1024;
      // SELECT LENGTH('<filler>'): every 16 KB write carries 0x02 at its byte 4, and the 3 bytes
      // before it announce a small "packet" — what the old proxy mistook for COM_INIT_DB.
      String prefix = "SELECT LENGTH('";
      int fillerLength = 200_000;
      byte[] sql = new byte[prefix.length() + fillerLength + 2];
      System.arraycopy(prefix.getBytes(), 0, sql, 0, prefix.length());
      Arrays.fill(sql, prefix.length(), prefix.length() + fillerLength, (byte) 'a');
      sql[sql.length - 2] = '\'';
      sql[sql.length - 1] = ')';
      Buffer payload = Buffer.buffer().appendByte((byte) Command.COM_QUERY).appendBytes(sql);
      byte[] wire = PacketCodec.encode(0, payload).getBytes();
      for (int off = readSize; off + 5 < wire.length - 2; off += readSize) {
        wire[off] = 0x05;
        wire[off + 1] = 0x00;
        wire[off + 2] = 0x00;
        wire[off + 3] = 0x00;
        wire[off + 4] = 0x02;
      }
      for (int off = 0; off < wire.length; off += readSize) {
        c.write(wire, off, Math.min(wire.length, off + readSize));
      }
      assertEquals(Integer.toString(fillerLength), c.readResult());

      byte[] initDb = PacketCodec.encode(0, new Command.InitDb("seedcrash").encode()).getBytes();
      c.write(initDb, 0, 2);
      c.write(initDb, 2, 6);
      c.write(initDb, 6, initDb.length);
      assertEquals(null, c.readResult());
      assertEquals("seedcrash", c.query("SELECT DATABASE()"));
      SessionInfo s = fx.sessions().get(0);
      assertEquals("seedcrash", s.schema());
      assertEquals(-1, s.commandInFlight());
      assertEquals(0, s.anomalies(), () -> "tracker lost the thread: " + s.lastAnomaly());
      assertEquals("3", c.query("SELECT 1 + 2"));
    }
    assertTrue(fx.counter("paxosql.proxy.errors", "kind", "protocol") == 0);
  }
}
