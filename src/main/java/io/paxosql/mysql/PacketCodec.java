package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;

/** Writes payloads as wire packets: 3-byte little-endian length, sequence id, body. */
public final class PacketCodec {
  /** Largest body of one wire packet; a body of exactly this size means "more follows". */
  public static final int MAX_FRAGMENT = 0xFFFFFF;
  public static final int HEADER_LENGTH = 4;

  private PacketCodec() {}

  /** Encodes {@code payload} starting at {@code sequenceId}; returns a new buffer. */
  public static Buffer encode(int sequenceId, Buffer payload) {
    int fragments = payload.length() / MAX_FRAGMENT + 1;
    Buffer out = Buffer.buffer(payload.length() + fragments * HEADER_LENGTH);
    encodeTo(out, sequenceId, payload);
    return out;
  }

  /** Encodes a packet record; convenience for {@code encode(p.sequenceId(), p.payload())}. */
  public static Buffer encode(Packet packet) {
    return encode(packet.sequenceId(), packet.payload());
  }

  /**
   * Appends {@code payload} to {@code out} as wire packets, splitting it into fragments of 0xFFFFFF
   * bytes; a payload that is an exact multiple of 0xFFFFFF (including 0) ends with an empty packet.
   *
   * @return the sequence id the next packet of this exchange must carry
   */
  public static int encodeTo(Buffer out, int sequenceId, Buffer payload) {
    if (sequenceId < 0 || sequenceId > 255) {
      throw new IllegalArgumentException("sequence id must be 0-255, got " + sequenceId);
    }
    int seq = sequenceId;
    int offset = 0;
    int length = payload.length();
    while (true) {
      int chunk = Math.min(MAX_FRAGMENT, length - offset);
      out.appendMediumLE(chunk).appendByte((byte) seq);
      if (chunk > 0) {
        out.appendBuffer(payload, offset, chunk);
      }
      offset += chunk;
      seq = (seq + 1) & 0xFF;
      if (chunk < MAX_FRAGMENT) {
        return seq;
      }
    }
  }
}
