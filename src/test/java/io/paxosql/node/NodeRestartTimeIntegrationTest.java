package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.node.chain.ChainCheckpoint;
import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.node.role.NodeRole;
import io.paxosql.testing.DiskBlocks;
import io.paxosql.testing.LogDirectoryBound;
import io.paxosql.testing.Retry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 14's restart-time test on real nodes: a follower restarted after 1,000,000 transactions reaches
 * FOLLOWER in less than twice the time it takes after 1,000. Three nodes with real mariadbd, Chronicle and
 * gRPC; a small log window ({@link #RETAIN}, roll files of 256 KiB) and chain checkpoint candidates every
 * {@link #EVERY} values or 256 KiB of values, so that by the second restart retention has deleted thousands of
 * roll files and the chain has been checkpointed hundreds of times: a restart that read the history would read
 * some 33,000 values (~700 MB of log entries).
 *
 * <p>Each phase restarts the same follower {@link #RESTARTS} times the same way, and the phases' medians are
 * compared (the first restart of a JVM runs cold code; one slow restart on a shared machine should not decide).
 * Before each stop every MariaDB has the master's GTID and the follower stands on a recent checkpoint (the
 * node's steady state: it persists one every 5 s), so both phases stop the same node in the same state and
 * differ only in the history behind it. While it is down {@link #WHILE_DOWN} transactions are written, so
 * that its restart must catch up through its chain and binlog server, as after any real restart.
 *
 * <p>The data dirs are on /dev/shm when it exists (-Dpaxosql.restartTest.dir to change): MariaDB's and the
 * log's fsyncs are not what this measures, and on this machine's disk they would make the million
 * transactions take hours. -Dpaxosql.restartTest.transactions sets the second phase's total (a shorter run
 * measures the write rate); -Dpaxosql.restartTest.connections the inserting connections.
 */
@Tag("slow")
@Timeout(value = 75, unit = TimeUnit.MINUTES)
class NodeRestartTimeIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(NodeRestartTimeIntegrationTest.class);
  /** log.retainBytes: small, so retention runs all the time (the config's floor is 1 MiB). */
  private static final long RETAIN = 2L << 20;
  /**
   * log.checkpointEvery: its floor. log.checkpointBytes is its default, RETAIN / 8 = 256 KiB of values; with
   * 64 connections a value carries some 30 transactions, so the byte rule usually comes first.
   */
  private static final long EVERY = 100;
  private static final long SMALL = 1_000;
  private static final long TOTAL = Long.getLong("paxosql.restartTest.transactions", 1_000_000);
  private static final int CONNECTIONS = Integer.getInteger("paxosql.restartTest.connections", 64);
  private static final long WHILE_DOWN = 100;
  private static final int RESTARTS = 3;

  private ClusterHarness cluster;

  /** One timed restart: how long until start() returned, until it served caught up, and what it read. */
  record Restart(long startMs, long servingMs, long logEndAtStop, long checkpointAt, long firstRetained,
      long replayed, long heldBytes, int files, long diskBytes) {
    @Override
    public String toString() {
      return String.format("%,d ms to FOLLOWER caught up (start() returned after %,d ms); its log ended at %,d, the "
          + "restart stood on the chain checkpoint at %,d and replayed %,d values from its disk; log held %,d B of "
          + "entries in %d roll files (%,d B on disk), from %,d", servingMs, startMs, logEndAtStop, checkpointAt,
          replayed, heldBytes, files, diskBytes, firstRetained);
    }
  }

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFollowerRestartedAfterAMillionTransactionsIsNotTwiceAsSlowAsAfterAThousand() throws Exception {
    long began = System.nanoTime();
    Path base = Path.of(System.getProperty("paxosql.restartTest.dir", "/dev/shm"));
    if (!Files.isDirectory(base) || !Files.isWritable(base)) {
      base = Path.of("/tmp");
    }
    cluster = new ClusterHarness(base, 3, ClusterRows.logWindow(RETAIN, EVERY),
        id -> List.of(1, 2, 3), "");
    log.info("cluster under {}: log.retainBytes {}, checkpointEvery {}, {} connections, {} transactions",
        cluster.dir, RETAIN, EVERY, CONNECTIONS, TOTAL);
    int master = cluster.bootstrap("CREATE DATABASE bulk",
        "CREATE TABLE bulk.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v BIGINT NOT NULL)");
    BulkInserts inserts = new BulkInserts(cluster, "bulk.t", CONNECTIONS);
    inserts.until(SMALL, Duration.ofMinutes(5));
    int follower = IntStream.rangeClosed(1, 3).filter(id -> id != master).findFirst().orElseThrow();

    List<Restart> small = restarts(follower, inserts);
    long smallEnd = cluster.node(follower).replicatedLog().chosenBelow();
    BulkInserts.Run bulk = inserts.until(TOTAL, Duration.ofMinutes(50));
    List<Restart> large = restarts(follower, inserts);
    long historyTx = inserts.masterSeq();

    long smallMedian = median(small);
    long largeMedian = median(large);
    log.info("RESTART TIMES node {}: after {} transactions {} ms (median of {}), after {} transactions {} ms "
        + "(median of {}); ratio {}; bulk writes: {}; whole test {} s", follower, SMALL, smallMedian, small,
        historyTx, largeMedian, large, String.format("%.2f", (double) largeMedian / smallMedian), bulk,
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began));
    // A candidate every EVERY values at most, and at most one value per transaction written while it was down.
    long replayBound = EVERY + 2 * WHILE_DOWN;
    assertAll(
        () -> assertTrue(historyTx >= TOTAL, "the master's GTID sequence reached only " + historyTx),
        () -> assertTrue(largeMedian < 2 * smallMedian, "a restart after " + historyTx + " transactions took "
            + largeMedian + " ms (" + large + "), not less than twice the " + smallMedian + " ms after " + SMALL
            + " (" + small + ")"),
        // Not lucky: by then the log's beginning was long deleted and each restart read only what followed its
        // chain checkpoint.
        () -> large.forEach(r -> assertTrue(r.firstRetained() > smallEnd && r.replayed() <= replayBound,
            "the restart after " + historyTx + " transactions should have read only the log after its checkpoint "
                + "(at most " + replayBound + " values) from a log whose beginning (before " + smallEnd
                + ") retention deleted: " + r)));
  }

  /** {@link #RESTARTS} timed restarts of node {@code id}, each as {@link #restart} does it. */
  private List<Restart> restarts(int id, BulkInserts inserts) throws Exception {
    List<Restart> out = new ArrayList<>();
    for (int i = 0; i < RESTARTS; i++) {
      Restart r = restart(id, inserts);
      log.info("restart {} of node {} after {} transactions: {}", i + 1, id, inserts.masterSeq(), r);
      out.add(r);
    }
    return out;
  }

  /**
   * Stops node {@code id} once the cluster is idle and it stands on a recent checkpoint, writes
   * {@link #WHILE_DOWN} transactions, and times its start until it serves as a caught-up follower.
   *
   * <p>"Reaches FOLLOWER" is taken to include being caught up, because the role alone is published as soon as
   * MariaDB runs as a replica of the node's binlog server, before the chain has been derived from the log: it
   * would time only the fixed start steps (Vert.x, MariaDB's start, the ports). What could grow with the
   * cluster's age (opening and scanning the retained log, deriving the chain from its checkpoint, finding the
   * replica's GTID in it) shows in the time until the node's log followers are live
   * ({@link io.paxosql.node.replog.ReplicatedLog#caughtUp}) and its MariaDB holds every transaction the master
   * committed, the ones written while it was down included. That is also when the node may be elected.
   */
  private Restart restart(int id, BulkInserts inserts) throws Exception {
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    if (master == id) {
      throw new AssertionError("node " + id + " became master; the test restarts a follower (roles " + cluster.roles()
          + ")");
    }
    String masterPos = inserts.gtidBinlogPos(master);
    for (int n = 1; n <= 3; n++) {
      awaitApplied(inserts, n, masterPos, Duration.ofMinutes(10));
    }
    ClusterNode node = cluster.node(id);
    // The node persists the newest checkpoint candidate its MariaDB applied every 5 s: wait for it to stand on the
    // newest one there is, so that every restart replays only what followed the last candidate.
    GtidState applied = GtidState.parse(masterPos);
    long logEnd = Retry.until("node " + id + " stands on its newest chain checkpoint", Duration.ofSeconds(60), () -> {
      Optional<ChainCheckpoint> newer = node.chain().checkpointCovered(applied);
      if (newer.isPresent()) {
        throw new IllegalStateException("it stands on " + node.chain().base() + "; newer: " + newer.get());
      }
      return node.replicatedLog().chosenBelow();
    });
    cluster.stop(id);
    Optional<ChainCheckpoint> cp = new ChainCheckpointFile(cluster.configs.get(id - 1).dataDir()).read();
    inserts.until(inserts.masterSeq() + WHILE_DOWN, Duration.ofMinutes(2));
    String target = inserts.gtidBinlogPos(cluster.awaitMaster(Duration.ofSeconds(60)));

    long t0 = System.nanoTime();
    cluster.start(id);
    long started = System.nanoTime();
    ClusterNode restarted = cluster.node(id);
    Retry.waitFor("node " + id + " a FOLLOWER with its log followers live", Duration.ofMinutes(5),
        () -> restarted.role() == NodeRole.FOLLOWER && restarted.replicatedLog().caughtUp());
    awaitApplied(inserts, id, target, Duration.ofMinutes(5));
    long serving = System.nanoTime();
    var rl = restarted.replicatedLog();
    return new Restart(TimeUnit.NANOSECONDS.toMillis(started - t0), TimeUnit.NANOSECONDS.toMillis(serving - t0),
        logEnd, cp.map(c -> c.next().instance()).orElse(-1L), rl.firstRetained(), rl.valuesReplayedFromDisk(),
        rl.storage().heldBytes(), rl.storage().files().size(),
        DiskBlocks.of(LogDirectoryBound.paxosDir(cluster.configs.get(id - 1).dataDir())).allocatedBytes());
  }

  /** Waits until node {@code id}'s MariaDB has committed every GTID in {@code masterPos}. */
  private void awaitApplied(BulkInserts inserts, int id, String masterPos, Duration max) {
    GtidState want = GtidState.parse(masterPos);
    Connection[] c = {null};
    try {
      Retry.until("node " + id + "'s MariaDB holds the master's " + masterPos, max, () -> {
        try {
          if (c[0] == null) {
            c[0] = inserts.connect(id);
          }
          String have;
          try (Statement s = c[0].createStatement(); ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
            rs.next();
            have = rs.getString(1);
          }
          GtidState h = GtidState.parse(have);
          if (!want.gtids().stream().allMatch(h::covers)) {
            throw new IllegalStateException("it has " + have);
          }
          return true;
        } catch (Exception e) {
          if (c[0] != null && !c[0].isValid(1)) {
            c[0].close();
            c[0] = null;
          }
          throw e;
        }
      });
    } finally {
      if (c[0] != null) {
        try {
          c[0].close();
        } catch (Exception e) {
          // closing a check's connection
        }
      }
    }
  }

  private static long median(List<Restart> restarts) {
    long[] ms = restarts.stream().mapToLong(Restart::servingMs).sorted().toArray();
    return ms[ms.length / 2];
  }
}
