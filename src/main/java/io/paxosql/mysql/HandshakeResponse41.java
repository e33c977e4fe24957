package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The client's answer to {@link HandshakeV10} (protocol 4.1). A MariaDB client (CLIENT_MYSQL clear)
 * sends its extended capabilities in the last 4 filler bytes; they land in bits 32-63 of
 * {@link #capabilities}.
 *
 * @param database null unless {@link Capabilities#CONNECT_WITH_DB}
 * @param authPluginName null unless {@link Capabilities#PLUGIN_AUTH}
 * @param attributes connection attributes in wire order; empty unless {@link Capabilities#CONNECT_ATTRS}
 */
public record HandshakeResponse41(
    long capabilities,
    long maxPacketSize,
    int characterSet,
    String username,
    Bytes authResponse,
    String database,
    String authPluginName,
    Map<String, String> attributes) {

  /** Length of the fixed part; an SSLRequest is exactly this. */
  static final int FIXED_LENGTH = 32;

  public HandshakeResponse41 {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(authResponse, "authResponse");
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    if (Capabilities.has(capabilities, Capabilities.CONNECT_WITH_DB) != (database != null)) {
      throw new IllegalArgumentException("database must be given exactly when CONNECT_WITH_DB is set");
    }
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH) != (authPluginName != null)) {
      throw new IllegalArgumentException("authPluginName must be given exactly when PLUGIN_AUTH is set");
    }
  }

  public static HandshakeResponse41 decode(Buffer payload) {
    PayloadReader r = new PayloadReader(payload);
    long capabilities = r.int4();
    if (!Capabilities.has(capabilities, Capabilities.PROTOCOL_41)) {
      throw new ProtocolException("handshake response without PROTOCOL_41 (capabilities "
          + Capabilities.describe(capabilities) + "): pre-4.1 clients are not supported");
    }
    long maxPacket = r.int4();
    int charset = r.int1();
    r.skip(19);
    long extended = r.int4();
    if (Capabilities.isMariaDb(capabilities)) {
      capabilities |= extended << 32;
    }
    if (!r.hasRemaining()) {
      throw new ProtocolException("handshake response is only the " + FIXED_LENGTH
          + "-byte fixed part" + (Capabilities.has(capabilities, Capabilities.SSL)
              ? " (an SSLRequest; decode it with SslRequest.decode)" : ""));
    }
    String username = r.nulString();
    Bytes auth;
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
      auth = r.lenencBytes();
    } else if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
      auth = r.bytes(r.int1());
    } else {
      auth = r.nulBytes();
    }
    String database = Capabilities.has(capabilities, Capabilities.CONNECT_WITH_DB)
        ? r.nulString() : null;
    String plugin = Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH) ? r.nulString() : null;
    Map<String, String> attributes = new LinkedHashMap<>();
    if (Capabilities.has(capabilities, Capabilities.CONNECT_ATTRS)) {
      long total = r.lenencInt();
      int end = r.position() + (int) Math.min(total, r.remaining());
      if (total > r.remaining()) {
        throw new ProtocolException("connection attributes announce " + total + " bytes but only "
            + r.remaining() + " remain");
      }
      while (r.position() < end) {
        attributes.put(r.lenencString(), r.lenencString());
      }
    }
    r.expectEnd("handshake response");
    return new HandshakeResponse41(capabilities, maxPacket, charset, username, auth, database,
        plugin, attributes);
  }

  public Buffer encode() {
    PayloadWriter w = new PayloadWriter(128);
    writeFixedPart(w, capabilities, maxPacketSize, characterSet);
    w.nulString(username);
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
      w.lenencBytes(authResponse);
    } else if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
      w.int1(authResponse.length()).bytes(authResponse);
    } else {
      w.nulBytes(authResponse);
    }
    if (database != null) {
      w.nulString(database);
    }
    if (authPluginName != null) {
      w.nulString(authPluginName);
    }
    if (Capabilities.has(capabilities, Capabilities.CONNECT_ATTRS)) {
      PayloadWriter attrs = new PayloadWriter();
      attributes.forEach((k, v) -> attrs.lenencString(k).lenencString(v));
      w.lenencInt(attrs.length()).bytes(attrs.payload());
    }
    return w.payload();
  }

  static void writeFixedPart(PayloadWriter w, long capabilities, long maxPacketSize, int charset) {
    w.int4(capabilities & 0xFFFFFFFFL).int4(maxPacketSize).int1(charset).zeros(19);
    w.int4(Capabilities.isMariaDb(capabilities) ? capabilities >>> 32 : 0);
  }
}
