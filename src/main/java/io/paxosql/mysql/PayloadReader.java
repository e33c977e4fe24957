package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads the field types of MySQL payloads: fixed-width little-endian integers, length-encoded
 * integers and strings, NUL-terminated strings and rest-of-packet. Every read is bounded by the
 * payload; running past its end is a {@link ProtocolException} naming the field.
 */
public final class PayloadReader {
  private final Buffer payload;
  private int position;

  public PayloadReader(Buffer payload) {
    this.payload = payload;
  }

  public int position() {
    return position;
  }

  public int remaining() {
    return payload.length() - position;
  }

  public boolean hasRemaining() {
    return position < payload.length();
  }

  /** The next byte, unsigned, without consuming it. */
  public int peek() {
    require(1, "byte");
    return payload.getUnsignedByte(position);
  }

  public int int1() {
    require(1, "int<1>");
    return payload.getUnsignedByte(position++);
  }

  public int int2() {
    require(2, "int<2>");
    int v = payload.getUnsignedShortLE(position);
    position += 2;
    return v;
  }

  public int int3() {
    require(3, "int<3>");
    int v = payload.getUnsignedMediumLE(position);
    position += 3;
    return v;
  }

  public long int4() {
    require(4, "int<4>");
    long v = payload.getUnsignedIntLE(position);
    position += 4;
    return v;
  }

  public long int6() {
    require(6, "int<6>");
    long v = payload.getUnsignedIntLE(position) | (long) payload.getUnsignedShortLE(position + 4) << 32;
    position += 6;
    return v;
  }

  public long int8() {
    require(8, "int<8>");
    long v = payload.getLongLE(position);
    position += 8;
    return v;
  }

  /**
   * A length-encoded integer. 0xFB (NULL in rows) and 0xFF (an ERR marker) are not integers here
   * and are rejected; callers that accept NULL check {@link #peek()} first.
   */
  public long lenencInt() {
    int first = int1();
    if (first < 0xFB) {
      return first;
    }
    return switch (first) {
      case 0xFC -> int2();
      case 0xFD -> int3();
      case 0xFE -> int8();
      default -> throw new ProtocolException(String.format(
          "length-encoded integer at offset %d starts with 0x%02X, which is not a length prefix",
          position - 1, first));
    };
  }

  /**
   * Bytes a length-encoded integer takes, its first byte included, from that first byte; -1 for
   * 0xFB and 0xFF, which start no integer.
   */
  public static int lenencSize(int first) {
    if (first < 0xFB) {
      return 1;
    }
    return switch (first) {
      case 0xFC -> 3;
      case 0xFD -> 4;
      case 0xFE -> 9;
      default -> -1;
    };
  }

  /**
   * The length-encoded integer at {@code at} within the first {@code n} bytes of {@code bytes}, or
   * -1 when it does not fit in them or its first byte starts no integer. For per-packet paths (the
   * proxy reads a prefix of every response): no allocation and no exception.
   */
  public static long lenencIntAt(byte[] bytes, int at, int n) {
    if (at < 0 || at >= n) {
      return -1;
    }
    int first = bytes[at] & 0xFF;
    int size = lenencSize(first);
    if (size < 0 || at + size > n) {
      return -1;
    }
    if (size == 1) {
      return first;
    }
    long v = 0;
    for (int i = size - 1; i >= 1; i--) {
      v = v << 8 | (bytes[at + i] & 0xFF);
    }
    return v;
  }

  public Bytes lenencBytes() {
    long length = lenencInt();
    if (length > remaining()) {
      throw new ProtocolException("length-encoded string at offset " + position + " announces "
          + length + " bytes but only " + remaining() + " remain in the packet");
    }
    return bytes((int) length);
  }

  public String lenencString() {
    return lenencBytes().utf8();
  }

  public Bytes bytes(int length) {
    require(length, length + "-byte field");
    byte[] out = payload.getBytes(position, position + length);
    position += length;
    return Bytes.wrap(out);
  }

  public void skip(int length) {
    require(length, "skipped " + length + " bytes");
    position += length;
  }

  /** Bytes up to the next NUL, which is consumed and not included. */
  public Bytes nulBytes() {
    int end = position;
    int limit = payload.length();
    while (end < limit && payload.getByte(end) != 0) {
      end++;
    }
    if (end == limit) {
      throw new ProtocolException("NUL-terminated string at offset " + position
          + " has no terminating NUL before the end of the " + limit + "-byte packet");
    }
    byte[] out = payload.getBytes(position, end);
    position = end + 1;
    return Bytes.wrap(out);
  }

  public String nulString() {
    return nulBytes().utf8();
  }

  public Bytes restBytes() {
    return bytes(remaining());
  }

  public String restString() {
    String text = payload.getString(position, payload.length(), StandardCharsets.UTF_8.name());
    position = payload.length();
    return text;
  }

  /** Fails unless the payload has been read to its end: trailing bytes mean a mis-parse. */
  public void expectEnd(String what) {
    if (hasRemaining()) {
      throw new ProtocolException(what + " has " + remaining() + " unexpected trailing bytes at offset "
          + position);
    }
  }

  private void require(int n, String field) {
    if (n < 0 || payload.length() - position < n) {
      throw new ProtocolException("packet too short: reading " + field + " at offset " + position
          + " needs " + n + " bytes, " + remaining() + " remain of " + payload.length());
    }
  }
}
