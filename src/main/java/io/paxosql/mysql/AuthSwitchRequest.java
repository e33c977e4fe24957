package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The server asks the client to authenticate again with another plugin and a fresh seed. For
 * mysql_native_password the data is the 20-byte scramble followed by a NUL.
 */
public record AuthSwitchRequest(String pluginName, Bytes pluginData) {
  public static final int HEADER = 0xFE;

  public AuthSwitchRequest {
    Objects.requireNonNull(pluginName, "pluginName");
    Objects.requireNonNull(pluginData, "pluginData");
  }

  /** Only meaningful during authentication, where a 0xFE packet is never an EOF. */
  public static boolean matches(Buffer payload) {
    return payload.length() > 1 && payload.getUnsignedByte(0) == HEADER;
  }

  public static AuthSwitchRequest decode(Buffer payload) {
    PayloadReader r = new PayloadReader(payload);
    if (r.int1() != HEADER) {
      throw new ProtocolException("not an auth switch request (first byte is not 0xFE)");
    }
    return new AuthSwitchRequest(r.nulString(), r.restBytes());
  }

  public Buffer encode() {
    return new PayloadWriter(2 + pluginName.length() + pluginData.length()).int1(HEADER)
        .nulString(pluginName).bytes(pluginData).payload();
  }

  /** The seed without the trailing NUL the server appends. */
  public byte[] seed() {
    byte[] data = pluginData.toArray();
    return data.length > 0 && data[data.length - 1] == 0
        ? Arrays.copyOf(data, data.length - 1) : data;
  }
}
