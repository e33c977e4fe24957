package io.paxosql.binlog.event;

/** A MariaDB global transaction id, written domain-server-sequence (e.g. {@code 0-1-42}). */
public record Gtid(long domainId, long serverId, long seqNo) {
  public Gtid {
    if (domainId < 0 || domainId > 0xffffffffL || serverId < 0 || serverId > 0xffffffffL) {
      throw new IllegalArgumentException("GTID domain and server ids must be unsigned 32-bit: " + domainId + "-"
          + serverId + "-" + seqNo);
    }
  }

  /** Parses {@code D-S-N}; the message says what a GTID looks like when the text is not one. */
  public static Gtid parse(String text) {
    String[] parts = text.trim().split("-", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a GTID: '" + text + "' (expected domain-server-sequence, e.g. 0-1-42)");
    }
    try {
      return new Gtid(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseUnsignedLong(parts[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a GTID: '" + text + "' (expected domain-server-sequence, e.g. 0-1-42)");
    }
  }

  @Override
  public String toString() {
    return domainId + "-" + serverId + "-" + Long.toUnsignedString(seqNo);
  }
}
