package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.mysql.Bytes;
import io.paxosql.mysql.Capabilities;
import io.paxosql.mysql.Command;
import io.paxosql.mysql.HandshakeResponse41;
import io.paxosql.mysql.HandshakeV10;
import io.paxosql.mysql.NativePassword;
import io.paxosql.mysql.PacketFramer;
import io.paxosql.testing.Captures;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionTrackerTest {

  /** Replays the captured replica session through scanners, segment by segment, in time order. */
  @Test
  void followsTheCapturedReplicaSessionWithoutAnomalies() {
    SessionTracker t = new SessionTracker();
    PacketFramer client = PacketFramer.scanning(1L << 30, SessionTracker.CLIENT_PREFIX_HANDSHAKE,
        t::onClientPacket);
    PacketFramer server = PacketFramer.scanning(1L << 40, SessionTracker.SERVER_PREFIX_HANDSHAKE,
        t::onServerPacket);
    int queriesSeen = 0;
    for (Captures.Segment s : Captures.segments()) {
      (s.fromServer() ? server : client).feed(Buffer.buffer(s.bytes()));
      if (t.phase() == SessionTracker.Phase.COMMAND && t.idle()) {
        queriesSeen++;
      }
      assertEquals(0, t.anomalies(), () -> "after segment at " + s.time() + ": " + t.lastAnomaly());
    }
    assertEquals(SessionTracker.Phase.COMMAND, t.phase());
    assertEquals(Command.COM_BINLOG_DUMP, t.commandInFlight());
    assertTrue(t.commands() == 14, "commands: " + t.commands());
    assertTrue(queriesSeen >= 10);
  }

  @Test
  void schemaChangesOnlyWhenTheServerAcceptsInitDb() {
    SessionTracker t = new SessionTracker();
    byte[] greeting = Captures.segments().get(0).bytes();
    t.onServerPacket(0, 0, greeting.length - 4, Arrays.copyOfRange(greeting, 4,
        greeting.length), greeting.length - 4);
    byte[] response = Captures.segments().get(1).bytes();
    t.onClientPacket(1, 1, response.length - 4, Arrays.copyOfRange(response, 4,
        response.length), response.length - 4);
    t.onServerPacket(2, 2, 7, new byte[] {0, 0, 0, 2, 0, 0, 0}, 7);
    assertTrue(t.idle());
    byte[] initDb = {2, 'd', 'b', '1'};
    t.onClientPacket(0, 0, 4, initDb, 4);
    assertEquals(Command.COM_INIT_DB, t.commandInFlight());
    t.onServerPacket(1, 1, 9, new byte[] {(byte) 0xFF, 0x19, 0x04, '#', '4', '2', '0', '0', '0'}, 9);
    assertEquals(null, t.schema());
    t.onClientPacket(0, 0, 4, initDb, 4);
    t.onServerPacket(1, 1, 7, new byte[] {0, 0, 0, 2, 0, 0, 0}, 7);
    assertEquals("db1", t.schema());
    assertTrue(t.idle());
    assertEquals(0, t.anomalies(), t.lastAnomaly());
    t.onServerPacket(5, 5, 7, new byte[] {0, 0, 0, 2, 0, 0, 0}, 7);
    assertEquals(1, t.anomalies());
  }

  /**
   * MariaDB's cached metadata without deprecated EOFs (libmariadb, as sysbench uses it): an execute whose
   * column definitions are skipped still sends the EOF that ends them, then the rows and their EOF.
   */
  @Test
  void executeWithSkippedMetadataEndsAtTheRowsEofNotAtTheDefinitionsEof() {
    long caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH
        | Capabilities.MARIADB_CACHE_METADATA;
    SessionTracker t = new SessionTracker();
    byte[] greeting = new HandshakeV10("10.11.19-MariaDB", 7, Bytes.of(new byte[20]), caps, 45, 2,
        NativePassword.PLUGIN).encode().getBytes();
    t.onServerPacket(0, 0, greeting.length, greeting, greeting.length);
    byte[] login = new HandshakeResponse41(caps, 1 << 24, 45, "app", Bytes.of(new byte[20]), null,
        NativePassword.PLUGIN, Map.of()).encode().getBytes();
    t.onClientPacket(1, 1, login.length, login, login.length);
    t.onServerPacket(2, 2, 7, new byte[] {0, 0, 0, 2, 0, 0, 0}, 7);
    assertTrue(t.idle());
    byte[] execute = {Command.COM_STMT_EXECUTE, 1, 0, 0, 0, 0, 1, 0, 0, 0};
    t.onClientPacket(0, 0, execute.length, execute, execute.length);
    t.onServerPacket(1, 1, 2, new byte[] {1, 0}, 2); // one column, its definition not sent
    byte[] eof = {(byte) 0xFE, 0, 0, 2, 0};
    t.onServerPacket(2, 2, eof.length, eof, eof.length);
    assertFalse(t.idle(), "the rows follow the definitions' EOF");
    t.onServerPacket(3, 3, 3, new byte[] {0, 0, 1}, 3);
    t.onServerPacket(4, 4, eof.length, eof, eof.length);
    assertTrue(t.idle());
    assertEquals(0, t.anomalies(), t.lastAnomaly());
  }
}
