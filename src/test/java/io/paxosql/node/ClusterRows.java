package io.paxosql.node;

import io.paxosql.testing.Retry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * One table's rows as the cluster integration tests write them through a {@link ClusterHarness} cluster's RW
 * ports and then look for on the members: {@code DB.t (id BIGINT PRIMARY KEY, v ...)}. A row counts as
 * acknowledged once its statement returned; the check is that every member holds every acknowledged row and
 * all of them the same CHECKSUM TABLE.
 */
final class ClusterRows {
  private final ClusterHarness cluster;
  private final String database;
  private final String table;

  ClusterRows(ClusterHarness cluster, String database) {
    this.cluster = cluster;
    this.database = database;
    this.table = database + ".t";
  }

  /** A {@code log:} config section with a window small enough that a test writes past it in seconds. */
  static String logWindow(long retainBytes, long checkpointEvery) {
    return "log: { retainBytes: " + retainBytes + ", checkpointEvery: " + checkpointEvery + " }\n";
  }

  /** The statements that make the table, its value column of {@code valueType} (for {@link ClusterHarness#bootstrap}). */
  String[] schema(String valueType) {
    return new String[] {"CREATE DATABASE " + database, "CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v "
        + valueType + ")"};
  }

  /** Makes the table through node {@code via}'s RW port (the cluster is up already). */
  void create(int via, String valueType) throws Exception {
    for (String sql : schema(valueType)) {
      cluster.execRw(via, sql, Duration.ofSeconds(20));
    }
  }

  /**
   * Writes rows {@code [from, from + count)} with value {@code value} through node {@code via}'s RW port. Under
   * this machine's load the master may lose its lease and fence meanwhile: a failed write is retried on a new
   * connection (REPLACE, so a write that did commit before its connection broke is no duplicate).
   */
  void write(int via, int from, int count, String value, Set<Integer> acked) throws Exception {
    Connection[] c = {null};
    try {
      for (int id = from; id < from + count; id++) {
        int row = id;
        Retry.until("row " + row + " written through node " + via, Duration.ofSeconds(60), () -> {
          try {
            if (c[0] == null) {
              c[0] = cluster.rw(via);
            }
            try (PreparedStatement ps = c[0].prepareStatement("REPLACE INTO " + table + " VALUES (?, ?)")) {
              ps.setInt(1, row);
              ps.setString(2, value);
              ps.executeUpdate();
            }
            return true;
          } catch (SQLException e) {
            if (c[0] != null) {
              c[0].close();
              c[0] = null;
            }
            throw e;
          }
        });
        acked.add(id);
      }
    } finally {
      if (c[0] != null) {
        c[0].close();
      }
    }
  }

  /**
   * A daemon thread inserting rows (id, id % 1000) through the RW port of node {@code via} (read before each
   * connection, so a test can move it off a node that is about to leave) while {@code going} holds. A failed id
   * may or may not be committed, so it is never reused; {@code longestGapMs} keeps the longest wait between two
   * acknowledged rows.
   */
  Thread startWriter(IntSupplier via, BooleanSupplier going, Set<Long> acked, AtomicLong longestGapMs) {
    Thread t = new Thread(() -> {
      long id = 1;
      long lastOk = System.nanoTime();
      while (going.getAsBoolean()) {
        try (Connection c = cluster.rw(via.getAsInt());
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
          while (going.getAsBoolean()) {
            ps.setLong(1, id);
            ps.setInt(2, (int) (id % 1000));
            ps.executeUpdate();
            acked.add(id);
            id++;
            long now = System.nanoTime();
            longestGapMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(now - lastOk), Math::max);
            lastOk = now;
          }
        } catch (SQLException e) {
          id++;
          pause(100);
        }
      }
    }, "cluster-rows-writer");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * Waits until every acknowledged id is on each of {@code nodes} and they all hold the same table; returns its
   * CHECKSUM TABLE.
   */
  String checksumEverywhere(Collection<Integer> nodes, Collection<? extends Number> acked) {
    return Retry.until("every acknowledged row and one CHECKSUM TABLE on nodes " + nodes, Duration.ofSeconds(90), () -> {
      String first = null;
      for (int id : nodes) {
        try (Connection c = cluster.direct(id); Statement s = c.createStatement()) {
          Set<Long> have = new HashSet<>();
          try (ResultSet rs = s.executeQuery("SELECT id FROM " + table)) {
            while (rs.next()) {
              have.add(rs.getLong(1));
            }
          }
          List<Long> missing = new ArrayList<>();
          for (Number n : acked) {
            if (!have.contains(n.longValue())) {
              missing.add(n.longValue());
            }
          }
          if (!missing.isEmpty()) {
            throw new IllegalStateException("node " + id + " lacks " + missing.size() + " acknowledged ids, e.g. "
                + missing.subList(0, Math.min(10, missing.size())));
          }
          String sum;
          try (ResultSet rs = s.executeQuery("CHECKSUM TABLE " + table)) {
            rs.next();
            sum = rs.getString(2);
          }
          if (first == null) {
            first = sum;
          } else if (!first.equals(sum)) {
            throw new IllegalStateException("node " + id + " checksum " + sum + " differs from " + first);
          }
        }
      }
      return first;
    });
  }

  private static void pause(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
