package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.mysql.Command;
import io.paxosql.mysql.PacketFramer;
import io.paxosql.testing.Captures;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
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
}
