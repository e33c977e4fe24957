package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** An immutable byte string, so packet records holding binary fields stay values. */
public final class Bytes {
  public static final Bytes EMPTY = new Bytes(new byte[0]);
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] data;

  private Bytes(byte[] data) {
    this.data = data;
  }

  public static Bytes of(byte[] data) {
    return data.length == 0 ? EMPTY : new Bytes(data.clone());
  }

  public static Bytes of(Buffer buffer) {
    return buffer.length() == 0 ? EMPTY : new Bytes(buffer.getBytes());
  }

  public static Bytes utf8(String text) {
    return wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  public static Bytes fromHex(String hex) {
    return wrap(HEX.parseHex(hex));
  }

  /** Takes ownership of {@code data}: the caller must not change it afterwards. */
  static Bytes wrap(byte[] data) {
    return data.length == 0 ? EMPTY : new Bytes(data);
  }

  public int length() {
    return data.length;
  }

  public byte get(int index) {
    return data[index];
  }

  public byte[] toArray() {
    return data.clone();
  }

  public Buffer toBuffer() {
    return Buffer.buffer(data.clone());
  }

  public String utf8() {
    return new String(data, StandardCharsets.UTF_8);
  }

  public String hex() {
    return HEX.formatHex(data);
  }

  void appendTo(Buffer out) {
    out.appendBytes(data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bytes other && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return data.length <= 64 ? "0x" + hex() : "0x" + HEX.formatHex(data, 0, 64) + "...("
        + data.length + " bytes)";
  }
}
