package io.paxosql.binlog.event;

/** Little-endian fixed-width reads and writes on byte arrays, the byte order of every binlog field. */
final class Le {
  private Le() {}

  static int u8(byte[] b, int off) {
    return b[off] & 0xff;
  }

  static int u16(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
  }

  static long u32(byte[] b, int off) {
    return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
  }

  static long u48(byte[] b, int off) {
    return u32(b, off) | (long) u16(b, off + 4) << 32;
  }

  static long u64(byte[] b, int off) {
    return u32(b, off) | u32(b, off + 4) << 32;
  }

  static void put16(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
  }

  static void put32(byte[] b, int off, long v) {
    for (int i = 0; i < 4; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  static void put48(byte[] b, int off, long v) {
    for (int i = 0; i < 6; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  static void put64(byte[] b, int off, long v) {
    for (int i = 0; i < 8; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }
}
