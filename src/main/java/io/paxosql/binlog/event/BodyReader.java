package io.paxosql.binlog.event;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A bounded cursor over one event body; every read past the end names the event and field. */
final class BodyReader {
  private final byte[] b;
  private final int end;
  private final String event;
  private int pos;

  BodyReader(byte[] b, int off, int end, String event) {
    this.b = b;
    this.pos = off;
    this.end = end;
    this.event = event;
  }

  private int need(int n, String field) {
    if (n < 0 || end - pos < n) {
      throw new EventFormatException(event + " event: body too short for " + field + " (need " + n
          + " bytes, " + (end - pos) + " left)");
    }
    int at = pos;
    pos += n;
    return at;
  }

  int u8(String field) {
    return Le.u8(b, need(1, field));
  }

  int u16(String field) {
    return Le.u16(b, need(2, field));
  }

  long u32(String field) {
    return Le.u32(b, need(4, field));
  }

  long u48(String field) {
    return Le.u48(b, need(6, field));
  }

  long u64(String field) {
    return Le.u64(b, need(8, field));
  }

  long lenenc(String field) {
    int first = u8(field);
    return switch (first) {
      case 0xfc -> Le.u16(b, need(2, field));
      case 0xfd -> Le.u32(b, need(3, field) - 1) >>> 8;
      case 0xfe -> Le.u64(b, need(8, field));
      case 0xfb, 0xff -> throw new EventFormatException(event + " event: invalid length-encoded integer in " + field);
      default -> first;
    };
  }

  byte[] bytes(int n, String field) {
    int at = need(n, field);
    return Arrays.copyOfRange(b, at, at + n);
  }

  /** Names in binlog bodies are raw bytes; Latin-1 keeps every byte so that encode reproduces them. */
  String latin1(int n, String field) {
    int at = need(n, field);
    return new String(b, at, n, StandardCharsets.ISO_8859_1);
  }

  byte[] rest() {
    return bytes(end - pos, "rest");
  }

  int remaining() {
    return end - pos;
  }

  void expectEnd() {
    if (pos != end) {
      throw new EventFormatException(event + " event: " + (end - pos) + " unexpected bytes after the body");
    }
  }
}
