package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;

/**
 * The truncated handshake response a client sends to switch to TLS: the 32-byte fixed part with
 * {@link Capabilities#SSL} set. The full response follows inside the TLS session.
 */
public record SslRequest(long capabilities, long maxPacketSize, int characterSet) {

  public SslRequest {
    if (!Capabilities.has(capabilities, Capabilities.SSL)) {
      throw new IllegalArgumentException("an SSLRequest must have the SSL capability");
    }
  }

  /** True when a client's first payload is an SSLRequest rather than a full response. */
  public static boolean matches(Buffer payload) {
    return payload.length() == HandshakeResponse41.FIXED_LENGTH
        && (payload.getUnsignedByte(1) & (Capabilities.SSL >>> 8)) != 0;
  }

  public static SslRequest decode(Buffer payload) {
    if (!matches(payload)) {
      throw new ProtocolException("not an SSLRequest: " + payload.length()
          + " bytes (expected 32 with the SSL capability)");
    }
    PayloadReader r = new PayloadReader(payload);
    long capabilities = r.int4();
    long maxPacket = r.int4();
    int charset = r.int1();
    r.skip(19);
    long extended = r.int4();
    if (Capabilities.isMariaDb(capabilities)) {
      capabilities |= extended << 32;
    }
    return new SslRequest(capabilities, maxPacket, charset);
  }

  public Buffer encode() {
    PayloadWriter w = new PayloadWriter(HandshakeResponse41.FIXED_LENGTH);
    HandshakeResponse41.writeFixedPart(w, capabilities, maxPacketSize, characterSet);
    return w.payload();
  }
}
