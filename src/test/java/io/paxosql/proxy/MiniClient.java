package io.paxosql.proxy;

import io.paxosql.mysql.Bytes;
import io.paxosql.mysql.Capabilities;
import io.paxosql.mysql.Command;
import io.paxosql.mysql.EofPacket;
import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.HandshakeResponse41;
import io.paxosql.mysql.HandshakeV10;
import io.paxosql.mysql.OkPacket;
import io.paxosql.mysql.Packet;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.mysql.PacketFramer;
import io.paxosql.mysql.PayloadReader;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;

/**
 * A deliberately small blocking MySQL client on our own codec, for tests that must control exactly
 * how bytes are cut into writes (the seed crash) or send garbage.
 */
final class MiniClient implements AutoCloseable {
  static final long CAPABILITIES = Capabilities.CLIENT_MYSQL | Capabilities.PROTOCOL_41
      | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH | Capabilities.TRANSACTIONS
      | Capabilities.MULTI_RESULTS | Capabilities.LONG_FLAG;

  final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final ArrayDeque<Packet> received = new ArrayDeque<>();
  private final PacketFramer framer = PacketFramer.assembling(1L << 30, received::add);
  HandshakeV10 greeting;

  private MiniClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(30_000);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static MiniClient open(int port) throws IOException {
    return new MiniClient(new Socket("127.0.0.1", port));
  }

  /** Connects and logs in as root (no password). Throws with the server's ERR if refused. */
  static MiniClient login(int port, String database) throws IOException {
    MiniClient c = open(port);
    Packet first = c.read();
    if (ErrPacket.matches(first.payload())) {
      c.close();
      throw new IOException("refused: " + ErrPacket.decode(first.payload(), 0));
    }
    c.greeting = HandshakeV10.decode(first.payload());
    long caps = CAPABILITIES | (database == null ? 0 : Capabilities.CONNECT_WITH_DB);
    HandshakeResponse41 resp = new HandshakeResponse41(caps, 1L << 30, 45, "root", Bytes.EMPTY,
        database, "mysql_native_password", Map.of());
    c.write(PacketCodec.encode(1, resp.encode()));
    Packet ok = c.read();
    if (!OkPacket.matches(ok.payload())) {
      throw new IOException("login failed: " + ErrPacket.decode(ok.payload(), caps));
    }
    return c;
  }

  void write(Buffer bytes) throws IOException {
    out.write(bytes.getBytes());
    out.flush();
  }

  void write(byte[] bytes, int from, int to) throws IOException {
    out.write(bytes, from, to - from);
    out.flush();
  }

  /** The next packet; throws on end of stream. */
  Packet read() throws IOException {
    byte[] buf = new byte[65536];
    while (received.isEmpty()) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("connection closed by the peer");
      }
      framer.feed(Buffer.buffer(Arrays.copyOf(buf, n)));
    }
    return received.poll();
  }

  /** Runs one statement; returns the first column of the first row, or null for OK results. */
  String query(String sql) throws IOException {
    write(PacketCodec.encode(0, Command.Query.of(sql).encode()));
    return readResult();
  }

  String readResult() throws IOException {
    Packet first = read();
    if (ErrPacket.matches(first.payload())) {
      throw new IOException("query failed: " + ErrPacket.decode(first.payload(), CAPABILITIES));
    }
    if (OkPacket.matches(first.payload())) {
      return null;
    }
    long columns = first.reader().lenencInt();
    for (long i = 0; i < columns; i++) {
      read();
    }
    EofPacket.decode(read().payload());
    String value = null;
    boolean firstRow = true;
    while (true) {
      Packet row = read();
      if (EofPacket.matches(row.payload())) {
        return value;
      }
      if (firstRow) {
        PayloadReader r = row.reader();
        value = r.peek() == 0xFB ? null : r.lenencString();
        firstRow = false;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
