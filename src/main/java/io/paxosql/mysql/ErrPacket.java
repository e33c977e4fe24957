package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.util.Objects;

/**
 * ERR: a command (or the connection) failed. With protocol 4.1 the message is preceded by '#' and
 * a five-character SQLSTATE; before the handshake completes a server may omit it.
 *
 * @param sqlState five characters, or null when the packet had no SQLSTATE marker
 */
public record ErrPacket(int errorCode, String sqlState, String message) {

  public static final int HEADER = 0xFF;
  /** SQLSTATE for errors without a more specific class. */
  public static final String GENERAL_ERROR = "HY000";
  public static final int ER_CON_COUNT_ERROR = 1040;
  public static final int ER_NET_PACKET_TOO_LARGE = 1153;
  public static final int ER_NET_PACKETS_OUT_OF_ORDER = 1156;
  public static final int ER_UNKNOWN_COM_ERROR = 1047;
  public static final int ER_ACCESS_DENIED_ERROR = 1045;
  public static final int ER_HANDSHAKE_ERROR = 1043;
  /** MariaDB's ER_CONNECTION_KILLED: the connection was cut on purpose. */
  public static final int ER_CONNECTION_KILLED = 1927;

  public ErrPacket {
    Objects.requireNonNull(message, "message");
    if (sqlState != null && sqlState.length() != 5) {
      throw new IllegalArgumentException("SQLSTATE must have 5 characters, got '" + sqlState + "'");
    }
  }

  public static boolean matches(Buffer payload) {
    return payload.length() >= 3 && payload.getUnsignedByte(0) == HEADER;
  }

  /** Decodes an ERR; {@code capabilities} is accepted for symmetry, the '#' marker decides. */
  public static ErrPacket decode(Buffer payload, long capabilities) {
    PayloadReader r = new PayloadReader(payload);
    int header = r.int1();
    if (header != HEADER) {
      throw new ProtocolException(String.format("expected an ERR packet (0xFF) but got 0x%02X",
          header));
    }
    int code = r.int2();
    String state = null;
    if (r.hasRemaining() && r.peek() == '#') {
      r.skip(1);
      state = r.bytes(5).utf8();
    }
    return new ErrPacket(code, state, r.restString());
  }

  public Buffer encode() {
    PayloadWriter w = new PayloadWriter(9 + message.length());
    w.int1(HEADER).int2(errorCode);
    if (sqlState != null) {
      w.int1('#').restString(sqlState);
    }
    return w.restString(message).payload();
  }

  @Override
  public String toString() {
    return "ERROR " + errorCode + (sqlState == null ? "" : " (" + sqlState + ")") + ": " + message;
  }
}
