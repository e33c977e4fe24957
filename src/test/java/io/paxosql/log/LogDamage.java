package io.paxosql.log;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * One entry of a real Chronicle file, where {@link PaxosLog#locate} says it is ({@code file@offset} of its
 * 4-byte header), damaged the way a crash, a full disk or a bad disk would, and the check that a refusal to
 * open names that place.
 */
final class LogDamage {
  private static final int PAGE = 4096;
  /** The file's name as the log gave it (a refusal names it the same way). */
  private final String file;
  private final long header;

  private LogDamage(String file, long header) {
    this.file = file;
    this.header = header;
  }

  static LogDamage at(String location) {
    int at = location.lastIndexOf('@');
    return new LogDamage(location.substring(0, at), Long.parseLong(location.substring(at + 1)));
  }

  /** Where the entry's header is in its file. */
  long header() {
    return header;
  }

  /** The first page boundary after the entry's header: a body longer than that crosses it. */
  long firstPageInBody() {
    return (header + 4 + PAGE - 1) / PAGE * PAGE;
  }

  /** Overwrites the entry with {@code bytes} from {@code delta} bytes after the start of its header. */
  void write(long delta, byte[] bytes) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file, "rw")) {
      f.seek(header + delta);
      f.write(bytes);
    }
  }

  /** Zeros the file from {@code from} to {@code to} (positions in the file). */
  void zero(long from, long to) throws IOException {
    write(from - header, new byte[(int) (to - from)]);
  }

  /** The refusal names the damaged entry's file and offset. */
  void assertNamedBy(LogCorruptedException e) {
    assertTrue(e.getMessage().contains(file + " offset " + header), e.getMessage());
  }
}
