package io.paxosql.testing;

import io.paxosql.binlog.GtidState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A table's {@code CHECKSUM TABLE} and rows as of exactly one GTID position of a server, read in a
 * consistent snapshot whose binlog position is that GTID position.
 *
 * <p>Why not "wait until {@code @@gtid_binlog_pos} reaches the position, then checksum": MariaDB
 * publishes a GTID in {@code gtid_binlog_pos} once the transaction is in its binlog, before the
 * engine commit that makes its rows visible (group commit writes and syncs the binlog first, then
 * commits the group in the engine). In that window a replica shows the position but not yet the
 * rows, and a checksum taken then differs from the master's although nothing diverged.
 * {@code START TRANSACTION WITH CONSISTENT SNAPSHOT} gives a read view together with the binlog
 * position of the last transaction committed in it ({@code Binlog_snapshot_file/position}), so
 * {@code BINLOG_GTID_POS} of that position names exactly the transactions the snapshot sees.
 *
 * @param gtidPos the GTID position the snapshot holds, equal to the one asked for
 * @param checksum {@code CHECKSUM TABLE} in that snapshot
 * @param rows every row in that snapshot, its columns joined by commas
 */
public record TableAtGtid(String gtidPos, long checksum, SortedSet<String> rows) {
  private static final long POLL_MS = 50;

  public TableAtGtid {
    rows = Collections.unmodifiableSortedSet(new TreeSet<>(rows));
  }

  /**
   * Waits up to {@code patience} for a snapshot of {@code c}'s server at exactly {@code gtidPos}
   * (a {@code @@gtid_binlog_pos} value), then reads {@code table} in it. Fails naming the last
   * position seen when the server never holds exactly that position (behind, or ahead of it).
   */
  public static TableAtGtid read(Connection c, String table, String gtidPos, Duration patience)
      throws SQLException, InterruptedException {
    GtidState wanted = GtidState.parse(gtidPos);
    long deadline = System.nanoTime() + patience.toNanos();
    String seen = "";
    boolean autoCommit = c.getAutoCommit();
    try (Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      while (true) {
        s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
        try {
          seen = snapshotPosition(s);
          if (GtidState.parse(seen).equals(wanted)) {
            return new TableAtGtid(seen, checksum(s, table), rows(s, table));
          }
        } finally {
          s.execute("COMMIT");
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no snapshot of " + table + " at " + gtidPos + " within " + patience
              + "; the last snapshot held " + (seen.isEmpty() ? "no GTID" : seen));
        }
        TimeUnit.MILLISECONDS.sleep(POLL_MS);
      }
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** The GTID position of the open snapshot: the binlog position it was taken at, as GTIDs. */
  private static String snapshotPosition(Statement s) throws SQLException {
    String file = null;
    long pos = -1;
    try (ResultSet rs = s.executeQuery("SHOW STATUS LIKE 'binlog_snapshot_%'")) {
      while (rs.next()) {
        if (rs.getString(1).equalsIgnoreCase("Binlog_snapshot_file")) {
          file = rs.getString(2);
        } else if (rs.getString(1).equalsIgnoreCase("Binlog_snapshot_position")) {
          pos = rs.getLong(2);
        }
      }
    }
    if (file == null || file.isEmpty() || pos < 0) {
      throw new SQLException("the server reports no binlog snapshot position (is log_bin on?)");
    }
    try (ResultSet rs = s.executeQuery("SELECT BINLOG_GTID_POS('" + file.replace("'", "''") + "', " + pos + ")")) {
      rs.next();
      String gtids = rs.getString(1);
      if (gtids == null) {
        throw new SQLException("BINLOG_GTID_POS('" + file + "', " + pos + ") is NULL: the binlog was purged");
      }
      return gtids;
    }
  }

  private static long checksum(Statement s, String table) throws SQLException {
    try (ResultSet rs = s.executeQuery("CHECKSUM TABLE " + table)) {
      if (!rs.next() || rs.getObject(2) == null) {
        throw new SQLException("CHECKSUM TABLE " + table + " gave no checksum (does the table exist?)");
      }
      return rs.getLong(2);
    }
  }

  private static SortedSet<String> rows(Statement s, String table) throws SQLException {
    SortedSet<String> out = new TreeSet<>();
    try (ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
      int cols = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int k = 1; k <= cols; k++) {
          row.append(k > 1 ? "," : "").append(rs.getString(k));
        }
        out.add(row.toString());
      }
    }
    return out;
  }
}
