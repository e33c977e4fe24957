package io.paxosql.mysql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** decode/encode pairs on the real bytes of a MariaDB 10.11 replica's session. */
class PacketRecordsTest {
  private final List<Packet> server = CapturedPackets.fromServer();
  private final List<Packet> client = CapturedPackets.fromClient();

  private long agreedCapabilities() {
    HandshakeV10 hs = HandshakeV10.decode(server.get(0).payload());
    HandshakeResponse41 resp = HandshakeResponse41.decode(client.get(0).payload());
    return hs.capabilities() & resp.capabilities();
  }

  @Test
  void handshakeV10FromMariaDb() {
    Buffer payload = server.get(0).payload();
    HandshakeV10 hs = HandshakeV10.decode(payload);
    assertEquals("5.5.5-10.11.19-MariaDB-0+deb12u1-log", hs.serverVersion());
    assertEquals(8, hs.connectionId());
    assertEquals(20, hs.scramble().length);
    assertEquals(NativePassword.PLUGIN, hs.authPluginName());
    assertTrue(Capabilities.isMariaDb(hs.capabilities()));
    assertTrue(Capabilities.has(hs.capabilities(), Capabilities.MARIADB_STMT_BULK_OPERATIONS));
    assertFalse(Capabilities.has(hs.capabilities(), Capabilities.SSL), "captured server had no TLS");
    assertEquals(payload, hs.encode());
  }

  @Test
  void handshakeResponseFromMariaDbReplica() {
    Buffer payload = client.get(0).payload();
    HandshakeResponse41 resp = HandshakeResponse41.decode(payload);
    assertEquals("repl", resp.username());
    assertEquals(20, resp.authResponse().length());
    assertNull(resp.database());
    assertEquals(NativePassword.PLUGIN, resp.authPluginName());
    assertEquals("libmysql", resp.attributes().get("_client_name"));
    assertEquals("10.11.19", resp.attributes().get("_client_version"));
    assertEquals(payload, resp.encode());
    assertFalse(SslRequest.matches(payload));
  }

  @Test
  void responseWithDatabaseAndWithoutAttributesRoundTrips() {
    long caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION
        | Capabilities.CONNECT_WITH_DB | Capabilities.PLUGIN_AUTH | Capabilities.MARIADB_PROGRESS;
    HandshakeResponse41 resp = new HandshakeResponse41(caps, 1 << 24, 45, "app",
        Bytes.of(new byte[20]), "shop", NativePassword.PLUGIN, Map.of());
    HandshakeResponse41 back = HandshakeResponse41.decode(resp.encode());
    assertEquals(resp, back);
    assertEquals("shop", back.database());
    assertTrue(Capabilities.has(back.capabilities(), Capabilities.MARIADB_PROGRESS));
  }

  @Test
  void sslRequestRoundTripsAndIsRecognised() {
    SslRequest ssl = new SslRequest(Capabilities.PROTOCOL_41 | Capabilities.SSL
        | Capabilities.SECURE_CONNECTION | Capabilities.MARIADB_CACHE_METADATA, 16_777_216, 33);
    Buffer payload = ssl.encode();
    assertEquals(32, payload.length());
    assertTrue(SslRequest.matches(payload));
    assertEquals(ssl, SslRequest.decode(payload));
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> HandshakeResponse41.decode(payload));
    assertTrue(e.getMessage().contains("SSLRequest"), e.getMessage());
  }

  @Test
  void okAndEofPacketsFromTheServer() {
    long caps = agreedCapabilities();
    int oks = 0;
    int eofs = 0;
    for (Packet p : server) {
      Buffer payload = p.payload();
      if (p.sequenceId() > 0 && OkPacket.matches(payload) && payload.getByte(0) == 0
          && payload.length() == 7) {
        OkPacket ok = OkPacket.decode(payload, caps);
        assertEquals(ServerStatus.AUTOCOMMIT, ok.statusFlags());
        assertEquals(payload, ok.encode(caps));
        oks++;
      } else if (EofPacket.matches(payload)) {
        assertEquals(payload, EofPacket.decode(payload).encode());
        eofs++;
      }
    }
    assertTrue(oks >= 8, "OK packets in capture: " + oks);
    assertTrue(eofs >= 10, "EOF packets in capture: " + eofs);
  }

  @Test
  void okPacketWithInfoAndSessionState() {
    long caps = Capabilities.PROTOCOL_41 | Capabilities.SESSION_TRACK;
    OkPacket ok = new OkPacket(0, 300, 70_000, ServerStatus.SESSION_STATE_CHANGED, 2,
        "Rows matched: 1", Bytes.fromHex("0105047465737400"));
    assertEquals(ok, OkPacket.decode(ok.encode(caps), caps));
    OkPacket plain = new OkPacket(0, 1, 0, 0, 0, "Records: 2", null);
    long caps41 = Capabilities.PROTOCOL_41;
    assertEquals(plain, OkPacket.decode(plain.encode(caps41), caps41));
  }

  @Test
  void everyClientCommandOfTheCaptureRoundTrips() {
    int queries = 0;
    for (Packet p : client.subList(1, client.size())) {
      Command c = Command.decode(p.payload());
      assertEquals(p.payload(), c.encode(), "round trip of " + c);
      if (c instanceof Command.Query q) {
        queries++;
        assertFalse(q.text().isEmpty());
      }
    }
    assertTrue(queries >= 10);
    Command.Query first = assertInstanceOf(Command.Query.class, Command.decode(client.get(1).payload()));
    assertEquals("SELECT UNIX_TIMESTAMP()", first.text());
  }

  @Test
  void replicaRegistrationAndBinlogDump() {
    Command.RegisterSlave reg = client.stream().map(p -> p.payload())
        .filter(b -> b.getUnsignedByte(0) == Command.COM_REGISTER_SLAVE)
        .map(b -> (Command.RegisterSlave) Command.decode(b)).findFirst().orElseThrow();
    assertEquals(new Command.RegisterSlave(2, "", "", "", 13307, 0, 0), reg);
    Command.BinlogDump dump = client.stream().map(p -> p.payload())
        .filter(b -> b.getUnsignedByte(0) == Command.COM_BINLOG_DUMP)
        .map(b -> (Command.BinlogDump) Command.decode(b)).findFirst().orElseThrow();
    assertEquals(new Command.BinlogDump(4, 2, 2, Bytes.EMPTY), dump);
  }

  @Test
  void otherCommandsRoundTrip() {
    List<Command> commands = List.of(new Command.Quit(), new Command.Ping(),
        new Command.InitDb("sbtest"), Command.Query.of("SELECT 'é'"),
        new Command.StmtPrepare(Bytes.utf8("SELECT ?")),
        new Command.StmtExecute(7, 0, 1, Bytes.fromHex("00010800")),
        new Command.StmtClose(7), new Command.RegisterSlave(9, "h", "u", "p", 3306, 0, 1),
        new Command.BinlogDump(4, 0, 9, Bytes.utf8("mysql-bin.000001")),
        new Command.Other(Command.COM_RESET_CONNECTION, Bytes.EMPTY));
    for (Command c : commands) {
      assertEquals(c, Command.decode(c.encode()));
    }
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> Command.decode(Buffer.buffer(new byte[] {Command.COM_STMT_CLOSE, 1})));
    assertTrue(e.getMessage().contains("int<4>"), e.getMessage());
  }

  @Test
  void errPacketWithAndWithoutSqlState() {
    ErrPacket err = new ErrPacket(ErrPacket.ER_CON_COUNT_ERROR, "08004", "Too many connections");
    Buffer payload = err.encode();
    assertEquals("ff1004233038303034", Bytes.of(payload.slice(0, 9)).hex());
    assertEquals(err, ErrPacket.decode(payload, Capabilities.PROTOCOL_41));
    ErrPacket early = new ErrPacket(1130, null, "Host is not allowed");
    assertEquals(early, ErrPacket.decode(early.encode(), 0));
  }

  @Test
  void authSwitchRequestCarriesTheSeed() {
    byte[] seed = new byte[20];
    for (int i = 0; i < 20; i++) {
      seed[i] = (byte) (i + 1);
    }
    byte[] data = Arrays.copyOf(seed, 21);
    AuthSwitchRequest req = new AuthSwitchRequest(NativePassword.PLUGIN, Bytes.of(data));
    AuthSwitchRequest back = AuthSwitchRequest.decode(req.encode());
    assertEquals(req, back);
    assertArrayEquals(seed, back.seed());
  }

  @Test
  void handshakeDecodeRejectsAnErrorClearly() {
    Buffer err = new ErrPacket(1040, "08004", "Too many connections").encode();
    ProtocolException e = assertThrows(ProtocolException.class, () -> HandshakeV10.decode(err));
    assertTrue(e.getMessage().contains("Too many connections"), e.getMessage());
  }
}
