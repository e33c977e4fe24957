package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;

/** EOF (0xFE, under 9 bytes): ends column definitions or rows unless DEPRECATE_EOF was agreed. */
public record EofPacket(int warnings, int statusFlags) {
  public static final int HEADER = 0xFE;

  public static boolean matches(Buffer payload) {
    return payload.length() > 0 && payload.length() < 9 && payload.getUnsignedByte(0) == HEADER;
  }

  public static EofPacket decode(Buffer payload) {
    if (!matches(payload)) {
      throw new ProtocolException("not an EOF packet: " + payload.length() + " bytes starting with "
          + (payload.length() == 0 ? "nothing" : String.format("0x%02X", payload.getUnsignedByte(0))));
    }
    PayloadReader r = new PayloadReader(payload);
    r.skip(1);
    if (!r.hasRemaining()) {
      return new EofPacket(0, 0);
    }
    EofPacket eof = new EofPacket(r.int2(), r.int2());
    r.expectEnd("EOF packet");
    return eof;
  }

  public Buffer encode() {
    return new PayloadWriter(5).int1(HEADER).int2(warnings).int2(statusFlags).payload();
  }
}
