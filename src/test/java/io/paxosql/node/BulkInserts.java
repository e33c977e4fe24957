package io.paxosql.node;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.testing.Retry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many small transactions, as fast as this machine takes them: {@code connections} threads each run
 * autocommit {@code INSERT INTO table (v) VALUES (?)} on their own connection, so every statement is one
 * commit, one GTID, one transaction the capture hands to Paxos (it groups concurrent commits; Paxos batches
 * them). The threads connect straight to the master's MariaDB, not through an RW port: the proxy in this JVM
 * would take CPU from the nodes, and each commit still waits for its semi-sync ACK, that is for a Paxos
 * majority. After a master change they reconnect to the new one.
 *
 * <p>Progress is counted by the master's binlog GTIDs ({@code @@gtid_binlog_pos}, summed over domains: one
 * here), not by the client: that is what the cluster committed, including a statement whose OK a broken
 * connection lost.
 */
final class BulkInserts {
  private static final Logger log = LoggerFactory.getLogger(BulkInserts.class);
  /** No new GTID on the master for this long while writing: the run fails with the writers' last error. */
  private static final Duration STALL = Duration.ofSeconds(120);

  private final ClusterHarness cluster;
  private final String table;
  private final int connections;

  /** What one {@link #until} call did. */
  record Run(long fromSeq, long toSeq, long clientOks, long clientErrors, long millis) {
    long transactions() {
      return toSeq - fromSeq;
    }

    double perSecond() {
      return transactions() * 1000.0 / Math.max(1, millis);
    }

    @Override
    public String toString() {
      return String.format("%,d transactions (GTID %,d -> %,d) in %.1f s: %.0f/s; client saw %,d OKs, %,d errors",
          transactions(), fromSeq, toSeq, millis / 1000.0, perSecond(), clientOks, clientErrors);
    }
  }

  BulkInserts(ClusterHarness cluster, String table, int connections) {
    this.cluster = cluster;
    this.table = table;
    this.connections = connections;
  }

  /**
   * Inserts until the master's binlog holds {@code target} transactions (its GTID sequence), at most a few
   * more (the statements in flight when it got there); fails after {@code max}, or after {@link #STALL}
   * without progress.
   */
  Run until(long target, Duration max) throws Exception {
    long start = System.nanoTime();
    long from = masterSeq();
    AtomicBoolean going = new AtomicBoolean(true);
    AtomicLong oks = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicReference<Exception> lastError = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      int seed = i;
      Thread t = new Thread(() -> insertWhile(going, seed, oks, errors, lastError), "bulk-insert-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    long seq = from;
    try {
      long lastProgress = System.nanoTime();
      long lastReport = lastProgress;
      long reportedSeq = from;
      while (seq < target) {
        TimeUnit.MILLISECONDS.sleep(200);
        long now = System.nanoTime();
        long s = masterSeqOr(seq);
        if (s > seq) {
          seq = s;
          lastProgress = now;
        } else if (now - lastProgress > STALL.toNanos()) {
          throw new AssertionError("no new transaction on the master for " + STALL + " at GTID sequence " + seq
              + "; roles " + cluster.roles() + "; the writers' last error: " + lastError.get(), lastError.get());
        }
        if (now - start > max.toNanos()) {
          throw new AssertionError("wrote only up to GTID sequence " + seq + " of " + target + " in " + max
              + "; the writers' last error: " + lastError.get(), lastError.get());
        }
        if (now - lastReport > TimeUnit.SECONDS.toNanos(30)) {
          log.info("bulk inserts: GTID sequence {} of {}, {}/s over the last {} s", seq, target,
              (seq - reportedSeq) * 1_000_000_000L / (now - lastReport), (now - lastReport) / 1_000_000_000L);
          lastReport = now;
          reportedSeq = seq;
        }
      }
    } finally {
      going.set(false);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(90));
      }
    }
    Run run = new Run(from, masterSeq(), oks.get(), errors.get(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    log.info("bulk inserts through {} connections: {}", connections, run);
    return run;
  }

  /** The master's binlog GTID sequence now (the sum over its domains), waiting for a master if need be. */
  long masterSeq() throws Exception {
    return Retry.until("the master's @@gtid_binlog_pos", Duration.ofSeconds(60), () -> {
      int m = cluster.master().orElseThrow(() -> new IllegalStateException("no master; roles " + cluster.roles()));
      return seqOf(gtidBinlogPos(m));
    });
  }

  /** A node's MariaDB's {@code @@gtid_binlog_pos}: what it committed to its binlog, as a master or a replica. */
  String gtidBinlogPos(int id) throws SQLException {
    try (Connection c = connect(id); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
      rs.next();
      return rs.getString(1);
    }
  }

  static long seqOf(String gtidBinlogPos) {
    return GtidState.parse(gtidBinlogPos).gtids().stream().mapToLong(Gtid::seqNo).sum();
  }

  /** root straight to node {@code id}'s MariaDB, with timeouts (a fenced master must not hang a writer). */
  Connection connect(int id) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + cluster.configs.get(id - 1).mariadb().port()
        + "/?connectTimeout=5000&socketTimeout=60000", "root", cluster.layout.rootPassword());
  }

  private long masterSeqOr(long fallback) {
    Optional<Integer> m = cluster.master();
    if (m.isEmpty()) {
      return fallback;
    }
    try {
      return seqOf(gtidBinlogPos(m.get()));
    } catch (SQLException e) {
      return fallback;
    }
  }

  private void insertWhile(AtomicBoolean going, int seed, AtomicLong oks, AtomicLong errors,
      AtomicReference<Exception> lastError) {
    long v = seed;
    while (going.get()) {
      Optional<Integer> m = cluster.master();
      if (m.isEmpty()) {
        pause(100);
        continue;
      }
      try (Connection c = connect(m.get());
           PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (v) VALUES (?)")) {
        while (going.get()) {
          ps.setLong(1, v);
          ps.executeUpdate();
          oks.incrementAndGet();
          v += connections;
        }
      } catch (SQLException e) {
        // A master that lost its lease, or a node that is not master any more: connect to the current one.
        errors.incrementAndGet();
        lastError.set(e);
        pause(200);
      }
    }
  }

  private static void pause(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
