package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.config.NodeConfigLoader;
import io.paxosql.testing.HeapWatch;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 16, large transactions: one {@code INSERT ... SELECT} of about 100 MB (1 GB in the slow suite) commits
 * through the RW port of a real 3-node cluster, every node's MariaDB ends with the same table, and the JVM that
 * runs all three nodes keeps no more live heap than its baseline plus a bound well under the transaction's
 * size (a node that joined the transaction's parts, or held its copies, would exceed it several times).
 */
class LargeTransactionIntegrationTest {
  private static final Logger LOG = LoggerFactory.getLogger(LargeTransactionIntegrationTest.class);
  /** Each row is 2 KiB of text (SHA2 hex repeated 32 times), so 51,200 rows are 100 MiB of row data. */
  private static final int ROW_BYTES = 2048;
  /** Live heap the 3-node JVM may grow by during a big transaction, whatever its size. */
  private static final long BOUND_MIB = 128;
  /**
   * How often the live heap is measured: a full GC each time, a pause of all three nodes, which on a loaded
   * machine can last seconds. The make-test case, too small for the bound to tell anything, measures nothing.
   */
  private static final Duration HEAP_SAMPLE = Duration.ofSeconds(20);

  /**
   * 10 MiB is three Paxos parts (4 MiB each at most) and past the capture's 8 MiB spool threshold, so it takes
   * every path of the big cases (spooled capture, parts encoded as the in-flight window has room, a follower's
   * binlog server reading an open split transaction a few parts at a time from the real replicated log).
   * Meant for {@code make test}, but slow-tagged for now: at load 22-45 the master lost its 15 s lease
   * mid-transaction in this case too (and in both 24 MiB runs), so it is not yet reliable on a loaded machine
   * (bench/RESULTS.md, issue 16, large transactions).
   */
  @Test
  @Tag("slow")
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aTransactionOfThreePartsReachesEveryNode() throws Exception {
    run(10);
  }

  // Slow-tagged until it has passed on this machine: in three runs at load 35-78 the master lost its lease
  // mid-transaction (the last cause found and fixed: the chain's lock held while every spooled event was read
  // back to size the transaction). Move it into make test once it passes reliably.
  @Test
  @Tag("slow")
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void aHundredMegabyteTransactionReachesEveryNodeWithBoundedHeap() throws Exception {
    run(100);
  }

  @Test
  @Tag("slow")
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void aOneGigabyteTransactionReachesEveryNodeWithBoundedHeap() throws Exception {
    run(1024);
  }

  private void run(int mib) throws Exception {
    long rows = ((long) mib << 20) / ROW_BYTES;
    try (ClusterHarness cluster = new ClusterHarness(3)) {
      allowTransactionsOf(cluster, ((long) mib + mib / 4 + 16) << 20);
      int master = cluster.bootstrap("CREATE DATABASE big",
          "CREATE TABLE big.t (id BIGINT PRIMARY KEY, pad BLOB) ENGINE=InnoDB");
      int entry = master == 1 ? 2 : 1;
      long binlogBefore;
      try (Connection c = cluster.direct(master)) {
        binlogBefore = binlogBytes(c);
      }
      long baseline = HeapWatch.liveNow();
      long started;
      long committed;
      long replicated;
      long peak;
      long fullGcs;
      try (HeapWatch heap = new HeapWatch(mib >= 100 ? HEAP_SAMPLE : null)) {
        started = System.nanoTime();
        // The harness's clients give up after 30 s of silence; this statement may take minutes on a loaded machine.
        // The entry node may not have heard of the new master yet ("no master" at connect, seen at load 45):
        // connecting is retried, the statement never is.
        String url = "jdbc:mariadb://127.0.0.1:" + cluster.configs.get(entry - 1).ports().rw()
            + "/?connectTimeout=5000&socketTimeout=" + (mib > 200 ? 1_200_000 : 300_000);
        try (Connection c = Retry.until("node " + entry + "'s RW port reaches the master", Duration.ofMinutes(1),
                () -> DriverManager.getConnection(url, "root", cluster.layout.rootPassword()));
            Statement s = c.createStatement()) {
          s.execute("INSERT INTO big.t SELECT seq, REPEAT(SHA2(seq, 256), " + ROW_BYTES / 64 + ") FROM big.seq_1_to_" + rows);
        }
        committed = System.nanoTime();
        String want;
        try (Connection c = cluster.direct(master)) {
          want = fingerprint(c);
        }
        assertEquals(rows + " rows", want.substring(0, want.indexOf(' ')) + " rows");
        for (int id = 1; id <= 3; id++) {
          int node = id;
          Retry.waitFor("node " + node + " has the transaction", Duration.ofMinutes(mib > 200 ? 15 : 5), () -> {
            try (Connection c = cluster.direct(node)) {
              return want.equals(fingerprint(c));
            } catch (SQLException e) {
              return false;
            }
          });
        }
        replicated = System.nanoTime();
        peak = Math.max(heap.peakLive(), HeapWatch.liveNow());
        fullGcs = heap.fullCollections();
        LOG.info("{} GC(s) watched ({} full), the longest paused {} ms; in use after any GC at most {} MiB",
            heap.collections(), fullGcs, heap.longestPauseMillis(), heap.peakAfterAnyGc() >> 20);
      }
      long binlog;
      try (Connection c = cluster.direct(master)) {
        binlog = binlogBytes(c) - binlogBefore;
      }
      double commitSeconds = (committed - started) / 1e9;
      double allSeconds = (replicated - started) / 1e9;
      long growth = peak - baseline;
      String figures = String.format("%d MiB transaction (%d binlog bytes, %d rows): committed through the RW port in"
              + " %.1f s (%.1f MB/s), on every node after %.1f s (%.1f MB/s); live heap of the 3-node JVM %d MiB before,"
              + " %d MiB at its live peak (+%d MiB; %d full GCs sampled it)", mib, binlog, rows, commitSeconds, binlog / 1e6 / commitSeconds,
          allSeconds, binlog / 1e6 / allSeconds, baseline >> 20, peak >> 20, growth >> 20, fullGcs);
      LOG.info(figures);
      System.out.println("LARGE-TRANSACTION " + figures);
      assertTrue(binlog >= (long) mib << 20, "the binlog grew by " + binlog + " bytes, less than the transaction");
      // Three nodes' proposal windows, log reads, binlog server pieces and peer buffers: a fixed amount, not a
      // multiple of the transaction (the capture spools it to disk; no node joins its parts).
      long bound = BOUND_MIB << 20;
      assertTrue(growth <= bound, "live heap grew by " + (growth >> 20) + " MiB for a " + mib + " MiB transaction,"
          + " above the bound of " + (bound >> 20) + " MiB; " + figures);
    }
  }

  /** Raises mariadb.maxTransactionBytes in every node's config (the default carries 64 MiB). */
  private static void allowTransactionsOf(ClusterHarness cluster, long bytes) throws Exception {
    for (int i = 0; i < cluster.size(); i++) {
      Path file = cluster.configFiles.get(i);
      String yaml = Files.readString(file);
      String patched = yaml.replaceFirst("mariadb: \\{ port: (\\d+) \\}",
          "mariadb: { port: $1, maxTransactionBytes: " + bytes + " }")
          // A slower Paxos clock (a 15 s lease instead of 1.5 s): what is under test is the transaction, not an
          // election, and on this loaded 2-core machine (load 40-50) a 1.5 s and a 6 s lease lapsed mid-transaction.
          .replaceFirst("tickMs: 50,", "tickMs: 500,");
      assertTrue(!patched.equals(yaml), "the test cluster's config has its mariadb line: " + yaml);
      Files.writeString(file, patched);
      cluster.configs.set(i, NodeConfigLoader.load(file));
    }
  }

  private static long binlogBytes(Connection c) throws SQLException {
    long total = 0;
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW BINARY LOGS")) {
      while (r.next()) {
        total += r.getLong("File_size");
      }
    }
    return total;
  }

  /** Row count, id sum and CHECKSUM TABLE of big.t: equal on two nodes only if they hold the same rows. */
  private static String fingerprint(Connection c) throws SQLException {
    long count = Sql.queryLong(c, "SELECT COUNT(*) FROM big.t");
    long sum = Sql.queryLong(c, "SELECT COALESCE(SUM(id), 0) FROM big.t");
    String checksum;
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("CHECKSUM TABLE big.t")) {
      r.next();
      checksum = r.getString(2);
    }
    return count + " " + sum + " " + checksum;
  }
}
