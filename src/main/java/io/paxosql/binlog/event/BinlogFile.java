package io.paxosql.binlog.event;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the events of a binlog file as MariaDB wrote it: the 4-byte magic, then events back to back. */
public final class BinlogFile {
  private static final byte[] MAGIC = {(byte) 0xfe, 'b', 'i', 'n'};

  private BinlogFile() {}

  /** Every whole event of the file; a torn event at the end (a crash mid-write) is left out. */
  public static List<byte[]> read(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    if (b.length < 4 || !Arrays.equals(Arrays.copyOf(b, 4), MAGIC)) {
      throw new EventFormatException(file + " is not a binlog file: it does not start with 0xfe 'bin'");
    }
    List<byte[]> out = new ArrayList<>();
    int pos = 4;
    while (pos + EventHeader.SIZE <= b.length) {
      long size = Le.u32(b, pos + 9);
      if (size < EventHeader.SIZE) {
        throw new EventFormatException(file + ": event at offset " + pos + " declares size " + size);
      }
      if (pos + size > b.length) {
        break;
      }
      out.add(Arrays.copyOfRange(b, pos, (int) (pos + size)));
      pos += (int) size;
    }
    return out;
  }
}
