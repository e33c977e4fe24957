package io.paxosql.node.mariadb;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The "in use" flag in a binlog file's format description header. mariadbd sets it when it opens the
 * file and clears it when it closes the binlog; at start, a last binlog still marked in use is what
 * makes it run binlog crash recovery, which with {@code --init-rpl-role=SLAVE} rolls back every
 * transaction left prepared in InnoDB and truncates the binlog from the first of them. A shutdown that
 * closed the binlog but was killed before InnoDB finished leaves prepared transactions and no such
 * mark, and mariadbd then refuses to start.
 */
final class BinlogInUseFlag {
  private static final byte[] MAGIC = {(byte) 0xfe, 'b', 'i', 'n'};
  /** Event header: timestamp 4, type 1, server id 4, length 4, next position 4, then flags 2. */
  private static final int TYPE_OFFSET = MAGIC.length + 4;
  private static final int FLAGS_OFFSET = MAGIC.length + 17;
  private static final int FORMAT_DESCRIPTION_EVENT = 15;
  /** LOG_EVENT_BINLOG_IN_USE_F. The header's checksum is computed with it cleared, so it can change alone. */
  private static final int IN_USE = 0x1;

  private BinlogInUseFlag() {}

  /** The binlog file the index names last: the one mariadbd wrote last. */
  static Path lastBinlog(Path dataDir, Path index) throws IOException {
    List<String> names = Files.readAllLines(index).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (names.isEmpty()) {
      throw new IOException("the binlog index " + index + " names no binlog file");
    }
    Path last = dataDir.resolve(names.get(names.size() - 1)).normalize();
    if (!Files.isRegularFile(last)) {
      throw new IOException("the binlog index " + index + " names " + last + ", which does not exist");
    }
    return last;
  }

  static boolean isSet(Path binlog) throws IOException {
    try (RandomAccessFile f = open(binlog, "r")) {
      f.seek(FLAGS_OFFSET);
      return (f.read() & IN_USE) != 0;
    }
  }

  /** Marks {@code binlog} as not closed properly, so that mariadbd's next start recovers from it. */
  static void set(Path binlog) throws IOException {
    try (RandomAccessFile f = open(binlog, "rw")) {
      f.seek(FLAGS_OFFSET);
      int flags = f.read();
      f.seek(FLAGS_OFFSET);
      f.write(flags | IN_USE);
      f.getFD().sync();
    }
  }

  private static RandomAccessFile open(Path binlog, String mode) throws IOException {
    RandomAccessFile f = new RandomAccessFile(binlog.toFile(), mode);
    try {
      byte[] magic = new byte[MAGIC.length];
      if (f.length() < FLAGS_OFFSET + 2) {
        throw new IOException(binlog + " is too short to be a binlog file");
      }
      f.readFully(magic);
      f.seek(TYPE_OFFSET);
      int type = f.read();
      if (!Arrays.equals(magic, MAGIC) || type != FORMAT_DESCRIPTION_EVENT) {
        throw new IOException(binlog + " does not start like a binlog file (magic and format description event)");
      }
      return f;
    } catch (IOException e) {
      f.close();
      throw e;
    }
  }
}
