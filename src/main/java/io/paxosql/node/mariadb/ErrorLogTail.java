package io.paxosql.node.mariadb;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads what mariadbd appended to its error log since a given offset, bounded in size. */
final class ErrorLogTail {
  private static final int MAX_BYTES = 64 * 1024;

  private ErrorLogTail() {}

  static long size(Path log) {
    try {
      return Files.exists(log) ? Files.size(log) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The text appended since {@code from}; at most the last 64 KiB of it. */
  static String since(Path log, long from) {
    if (!Files.exists(log)) {
      return "";
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long end = f.length();
      long start = Math.max(from, end - MAX_BYTES);
      if (start >= end) {
        return "";
      }
      byte[] bytes = new byte[(int) (end - start)];
      f.seek(start);
      f.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(could not read " + log + ": " + e.getMessage() + ")";
    }
  }

  /** The last {@code lines} lines of {@code text}, each indented for inclusion in a message. */
  static String lastLines(String text, int lines) {
    String[] all = text.split("\n");
    StringBuilder out = new StringBuilder();
    for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
      out.append("\n    ").append(all[i]);
    }
    return out.toString();
  }
}
