package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;

/**
 * One logical MySQL packet: the payload of one or more wire packets joined together. A payload of
 * {@code n} bytes travels as {@code n / 0xFFFFFF + 1} wire packets with consecutive sequence ids,
 * so the id of the last fragment follows from the length.
 *
 * <p>The payload may be a slice of the buffer the bytes arrived in: treat it as read-only.
 *
 * @param sequenceId sequence id of the first wire packet (0-255)
 * @param payload the joined payload, without headers
 */
public record Packet(int sequenceId, Buffer payload) {

  public Packet {
    if (sequenceId < 0 || sequenceId > 255) {
      throw new IllegalArgumentException("sequence id must be 0-255, got " + sequenceId);
    }
    if (payload == null) {
      throw new IllegalArgumentException("payload must not be null");
    }
  }

  /** Sequence id of the last wire packet that carried this payload. */
  public int lastSequenceId() {
    return (sequenceId + payload.length() / PacketCodec.MAX_FRAGMENT) & 0xFF;
  }

  /** Sequence id the peer's next packet in the same exchange must carry. */
  public int nextSequenceId() {
    return (lastSequenceId() + 1) & 0xFF;
  }

  /** First payload byte (the command or response type), or -1 for an empty payload. */
  public int firstByte() {
    return payload.length() == 0 ? -1 : payload.getUnsignedByte(0);
  }

  public PayloadReader reader() {
    return new PayloadReader(payload);
  }
}
