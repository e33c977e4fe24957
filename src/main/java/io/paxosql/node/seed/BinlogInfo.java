package io.paxosql.node.seed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The binlog coordinates a backup matches: what mariadb-backup records at its consistent point (the
 * file {@code xtrabackup_binlog_info}, named {@code mariadb_backup_binlog_info} in later versions, and
 * the "MySQL binlog position" line of its log). Pure parsing.
 */
public record BinlogInfo(String file, long position, String gtid) {
  private static final Pattern GTID_POS = Pattern.compile("(\\d+-\\d+-\\d+)(,\\d+-\\d+-\\d+)*");
  private static final Pattern LOG_LINE = Pattern.compile(
      "MySQL binlog position: filename '([^']+)', position '(\\d+)', GTID of the last change '([^']*)'");
  static final String[] FILE_NAMES = {"mariadb_backup_binlog_info", "xtrabackup_binlog_info"};

  /** Parses the file's one line: {@code file<TAB>position<TAB>gtid}. */
  public static BinlogInfo parseFile(String text) {
    String[] parts = text.trim().split("\\s+");
    String gtid = parts.length == 3 ? parts[2] : "";
    if (parts.length < 2 || parts.length > 3 || !parts[1].matches("\\d+")
        || !gtid.isEmpty() && !GTID_POS.matcher(gtid).matches()) {
      throw new IllegalArgumentException("not a mariadb-backup binlog info line (file, position, GTID): '"
          + text.trim() + "'");
    }
    return new BinlogInfo(parts[0], Long.parseLong(parts[1]), gtid);
  }

  /** The coordinates from mariadb-backup's log, if it printed them. */
  public static Optional<BinlogInfo> fromLog(String log) {
    Matcher m = LOG_LINE.matcher(log);
    BinlogInfo found = null;
    while (m.find()) {
      found = new BinlogInfo(m.group(1), Long.parseLong(m.group(2)), m.group(3));
    }
    return Optional.ofNullable(found);
  }

  /** Reads the binlog info file of a backup directory; fails naming the directory when there is none. */
  public static BinlogInfo read(Path backupDir) throws IOException {
    for (String name : FILE_NAMES) {
      Path f = backupDir.resolve(name);
      if (Files.exists(f)) {
        return parseFile(Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    throw new IOException("the backup in " + backupDir + " has no binlog info file (" + String.join(" or ", FILE_NAMES)
        + "): it was not taken from a server with log_bin on, or it is incomplete; take a new backup");
  }
}
