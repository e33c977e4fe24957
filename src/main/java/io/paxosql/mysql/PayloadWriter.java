package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** Writes the field types of MySQL payloads; the counterpart of {@link PayloadReader}. */
public final class PayloadWriter {
  private final Buffer out;

  public PayloadWriter() {
    this(64);
  }

  public PayloadWriter(int initialCapacity) {
    this.out = Buffer.buffer(initialCapacity);
  }

  public PayloadWriter int1(int v) {
    out.appendByte((byte) v);
    return this;
  }

  public PayloadWriter int2(int v) {
    out.appendShortLE((short) v);
    return this;
  }

  public PayloadWriter int3(int v) {
    out.appendMediumLE(v);
    return this;
  }

  public PayloadWriter int4(long v) {
    out.appendIntLE((int) v);
    return this;
  }

  public PayloadWriter int6(long v) {
    out.appendIntLE((int) v).appendShortLE((short) (v >>> 32));
    return this;
  }

  public PayloadWriter int8(long v) {
    out.appendLongLE(v);
    return this;
  }

  /** Smallest length-encoded form of an unsigned value (negative means above 2^63). */
  public PayloadWriter lenencInt(long v) {
    if (v >= 0 && v < 0xFB) {
      out.appendByte((byte) v);
    } else if (v >= 0 && v <= 0xFFFF) {
      out.appendByte((byte) 0xFC).appendShortLE((short) v);
    } else if (v >= 0 && v <= 0xFFFFFF) {
      out.appendByte((byte) 0xFD).appendMediumLE((int) v);
    } else {
      out.appendByte((byte) 0xFE).appendLongLE(v);
    }
    return this;
  }

  public PayloadWriter lenencBytes(Bytes v) {
    lenencInt(v.length());
    v.appendTo(out);
    return this;
  }

  public PayloadWriter lenencString(String v) {
    return lenencBytes(Bytes.utf8(v));
  }

  public PayloadWriter bytes(Bytes v) {
    v.appendTo(out);
    return this;
  }

  public PayloadWriter bytes(Buffer v) {
    out.appendBuffer(v);
    return this;
  }

  public PayloadWriter zeros(int n) {
    for (int i = 0; i < n; i++) {
      out.appendByte((byte) 0);
    }
    return this;
  }

  public PayloadWriter nulBytes(Bytes v) {
    v.appendTo(out);
    out.appendByte((byte) 0);
    return this;
  }

  public PayloadWriter nulString(String v) {
    out.appendString(v, StandardCharsets.UTF_8.name());
    out.appendByte((byte) 0);
    return this;
  }

  public PayloadWriter restString(String v) {
    out.appendString(v, StandardCharsets.UTF_8.name());
    return this;
  }

  public int length() {
    return out.length();
  }

  /** The payload written so far (the writer's own buffer, not a copy). */
  public Buffer payload() {
    return out;
  }
}
