package io.paxosql.mysql;

/**
 * A logical packet (all its 16 MB fragments together) is longer than the framer's configured
 * maximum. Raised as soon as a header announces it, before its body is buffered.
 */
public final class PacketTooLargeException extends ProtocolException {
  private static final long serialVersionUID = 1L;
  private final long announced;
  private final long maximum;

  public PacketTooLargeException(long announced, long maximum) {
    super("packet of at least " + announced + " bytes exceeds the maximum of " + maximum
        + " bytes; raise the maximum packet size (like MariaDB's max_allowed_packet) if this"
        + " packet is legitimate");
    this.announced = announced;
    this.maximum = maximum;
  }

  public long announced() {
    return announced;
  }

  public long maximum() {
    return maximum;
  }
}
