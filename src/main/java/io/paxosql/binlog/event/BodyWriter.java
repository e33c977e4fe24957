package io.paxosql.binlog.event;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Grows a byte array while an event body is written. */
final class BodyWriter {
  private byte[] b;
  private int len;

  BodyWriter(int initial) {
    b = new byte[Math.max(16, initial)];
  }

  private int grow(int n) {
    if (len + n > b.length) {
      b = Arrays.copyOf(b, Math.max(b.length * 2, len + n));
    }
    int at = len;
    len += n;
    return at;
  }

  BodyWriter u8(int v) {
    b[grow(1)] = (byte) v;
    return this;
  }

  BodyWriter u16(int v) {
    Le.put16(b, grow(2), v);
    return this;
  }

  BodyWriter u32(long v) {
    Le.put32(b, grow(4), v);
    return this;
  }

  BodyWriter u48(long v) {
    Le.put48(b, grow(6), v);
    return this;
  }

  BodyWriter u64(long v) {
    Le.put64(b, grow(8), v);
    return this;
  }

  BodyWriter lenenc(long v) {
    if (v < 0xfb) {
      return u8((int) v);
    } else if (v < 1L << 16) {
      return u8(0xfc).u16((int) v);
    } else if (v < 1L << 24) {
      u8(0xfd);
      int at = grow(3);
      b[at] = (byte) v;
      b[at + 1] = (byte) (v >>> 8);
      b[at + 2] = (byte) (v >>> 16);
      return this;
    }
    return u8(0xfe).u64(v);
  }

  BodyWriter bytes(byte[] v) {
    System.arraycopy(v, 0, b, grow(v.length), v.length);
    return this;
  }

  BodyWriter latin1(String s) {
    return bytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  byte[] toArray() {
    return Arrays.copyOf(b, len);
  }
}
