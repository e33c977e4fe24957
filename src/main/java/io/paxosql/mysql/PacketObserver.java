package io.paxosql.mysql;

/**
 * Receives each logical packet seen by a {@link PacketFramer#scanning scanning} framer, once its
 * last byte has passed. Only the first bytes of the payload are kept; the relay forwards the rest.
 */
@FunctionalInterface
public interface PacketObserver {

  /**
   * @param sequenceId sequence id of the packet's first wire fragment
   * @param lastSequenceId sequence id of its last wire fragment
   * @param length payload length, all fragments together
   * @param prefix the payload's first {@code prefixLength} bytes; the array is reused for the next
   *     packet, so copy what must outlive this call
   * @param prefixLength {@code min(length, prefix capacity)}
   */
  void onPacket(int sequenceId, int lastSequenceId, long length, byte[] prefix, int prefixLength);
}
