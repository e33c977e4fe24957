package io.paxosql.binlog.event;

import java.util.Arrays;
import java.util.zip.CRC32;

/** The binlog CRC32 footer: the checksum of header and body, little-endian, in an event's last 4 bytes. */
public final class Checksum {
  public static final int SIZE = 4;

  private Checksum() {}

  public static long compute(byte[] b, int off, int len) {
    CRC32 crc = new CRC32();
    crc.update(b, off, len);
    return crc.getValue();
  }

  /** LOG_EVENT_BINLOG_IN_USE_F: set in place on the open file's Format_description, outside its checksum. */
  static final int FLAG_BINLOG_IN_USE = 0x01;

  /** The checksum an event must carry: MariaDB sums a Format_description as if the in-use flag were clear. */
  static long ofEvent(byte[] b) {
    int len = b.length - SIZE;
    if ((b[4] & 0xff) == EventType.FORMAT_DESCRIPTION && (b[17] & FLAG_BINLOG_IN_USE) != 0) {
      byte[] copy = Arrays.copyOf(b, len);
      copy[17] &= (byte) ~FLAG_BINLOG_IN_USE;
      return compute(copy, 0, len);
    }
    return compute(b, 0, len);
  }

  /** Throws naming the event when the stored checksum of a whole event {@code b} is wrong. */
  public static void verify(byte[] b) {
    if (b.length < EventHeader.SIZE + SIZE) {
      throw new EventFormatException("event of " + b.length + " bytes is too short to carry a checksum");
    }
    long stored = Le.u32(b, b.length - SIZE);
    long actual = ofEvent(b);
    if (stored != actual) {
      throw new EventFormatException(String.format(
          "%s event at log_pos %d: checksum mismatch (stored %08x, computed %08x); the event is corrupt",
          EventType.name(b[4] & 0xff), Le.u32(b, 13), stored, actual));
    }
  }

  /** Writes the checksum of everything before the footer into the footer. */
  public static void fill(byte[] b) {
    Le.put32(b, b.length - SIZE, ofEvent(b));
  }

  /**
   * A copy of a checksummed event with another log_pos and a recomputed checksum: how the binlog
   * server places events from the log into its own virtual file.
   */
  public static byte[] restamp(byte[] event, long logPos) {
    byte[] copy = event.clone();
    Le.put32(copy, 13, logPos);
    fill(copy);
    return copy;
  }
}
