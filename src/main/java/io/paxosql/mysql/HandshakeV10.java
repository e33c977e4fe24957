package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The server's first packet, protocol version 10. MariaDB clears {@link Capabilities#CLIENT_MYSQL}
 * and carries its extended capabilities in the last 4 of the 10 reserved bytes; they are returned
 * here in bits 32-63 of {@link #capabilities}.
 *
 * @param serverVersion e.g. "5.5.5-10.11.19-MariaDB-..." (MariaDB's prefix keeps old clients happy)
 * @param authPluginData the whole scramble (part 1 and part 2, without part 2's NUL)
 * @param authPluginName null when the server lacks {@link Capabilities#PLUGIN_AUTH}
 */
public record HandshakeV10(
    String serverVersion,
    long connectionId,
    Bytes authPluginData,
    long capabilities,
    int characterSet,
    int statusFlags,
    String authPluginName) {

  public static final int PROTOCOL_VERSION = 10;
  private static final int SCRAMBLE_PART1 = 8;
  private static final int MIN_SCRAMBLE_PART2 = 13;

  public HandshakeV10 {
    Objects.requireNonNull(serverVersion, "serverVersion");
    Objects.requireNonNull(authPluginData, "authPluginData");
    if (authPluginData.length() < SCRAMBLE_PART1) {
      throw new IllegalArgumentException("auth plugin data needs at least 8 bytes, got "
          + authPluginData.length());
    }
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH) != (authPluginName != null)) {
      throw new IllegalArgumentException("authPluginName must be given exactly when PLUGIN_AUTH is set");
    }
  }

  public static HandshakeV10 decode(Buffer payload) {
    PayloadReader r = new PayloadReader(payload);
    int protocol = r.int1();
    if (protocol != PROTOCOL_VERSION) {
      throw new ProtocolException(protocol == ErrPacket.HEADER
          ? "expected a handshake but the server sent an error: " + ErrPacket.decode(payload, 0)
          : "unsupported handshake protocol version " + protocol + " (only 10 is spoken)");
    }
    String serverVersion = r.nulString();
    long connectionId = r.int4();
    Bytes part1 = r.bytes(SCRAMBLE_PART1);
    r.skip(1);
    long capabilities = r.int2();
    if (!r.hasRemaining()) {
      throw new ProtocolException("handshake from " + serverVersion
          + " ends after the capability flags: pre-4.1 servers are not supported");
    }
    int charset = r.int1();
    int status = r.int2();
    capabilities |= (long) r.int2() << 16;
    int authDataLength = r.int1();
    r.skip(6);
    long extended = r.int4();
    if (Capabilities.isMariaDb(capabilities)) {
      capabilities |= extended << 32;
    }
    byte[] scramble = part1.toArray();
    if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
      int part2Length = Math.max(MIN_SCRAMBLE_PART2, authDataLength - SCRAMBLE_PART1);
      Bytes part2 = r.bytes(Math.min(part2Length, r.remaining()));
      int keep = part2.length() > 0 && part2.get(part2.length() - 1) == 0
          ? part2.length() - 1 : part2.length();
      byte[] joined = new byte[scramble.length + keep];
      System.arraycopy(scramble, 0, joined, 0, scramble.length);
      System.arraycopy(part2.toArray(), 0, joined, scramble.length, keep);
      scramble = joined;
    }
    String plugin = null;
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH)) {
      // Some servers omit the final NUL; the name then runs to the end of the packet.
      plugin = r.remaining() > 0 && payload.getByte(payload.length() - 1) == 0
          ? r.nulString() : r.restString();
    }
    r.expectEnd("handshake v10");
    return new HandshakeV10(serverVersion, connectionId, Bytes.wrap(scramble), capabilities,
        charset, status, plugin);
  }

  public Buffer encode() {
    PayloadWriter w = new PayloadWriter(128);
    w.int1(PROTOCOL_VERSION).nulString(serverVersion).int4(connectionId);
    byte[] scramble = authPluginData.toArray();
    w.bytes(Bytes.wrap(Arrays.copyOf(scramble, SCRAMBLE_PART1))).int1(0);
    w.int2((int) (capabilities & 0xFFFF)).int1(characterSet).int2(statusFlags);
    w.int2((int) ((capabilities >>> 16) & 0xFFFF));
    boolean plugin = Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH);
    w.int1(plugin ? scramble.length + 1 : 0);
    w.zeros(6);
    w.int4(Capabilities.isMariaDb(capabilities) ? capabilities >>> 32 : 0);
    if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
      int part2 = scramble.length - SCRAMBLE_PART1;
      w.bytes(Bytes.wrap(Arrays.copyOfRange(scramble, SCRAMBLE_PART1, scramble.length)));
      w.zeros(Math.max(1, MIN_SCRAMBLE_PART2 - part2));
    }
    if (plugin) {
      w.nulString(authPluginName);
    }
    return w.payload();
  }

  /** The 20-byte scramble (seed) that mysql_native_password hashes with. */
  public byte[] scramble() {
    return authPluginData.toArray();
  }
}
