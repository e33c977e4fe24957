package io.paxosql.node.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.log.LogConfig;
import io.paxosql.log.LogConfig.SyncMethod;
import io.paxosql.log.LogReseed;
import io.vertx.core.Future;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chain over a real Chronicle log for a long life: it keeps only the window since its newest checkpoint,
 * the log is trimmed below that checkpoint, and a restart reads only what follows it.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class ChainLifetimeTest {
  private static final Logger LOG = LoggerFactory.getLogger(ChainLifetimeTest.class);
  private static final long EVERY = 2_000;
  @TempDir Path dir;

  static LogConfig logConfig(Path d, long first) {
    return LogConfig.defaults(d).withFirstInstance(first).withSync(SyncMethod.NONE)
        .withRollCycle(TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE).withRetention(0, Duration.ZERO)
        .withBounds(new LogConfig.Bounds(Long.MAX_VALUE, Duration.ofDays(1), 512 << 10));
  }

  static Transaction tx(long seq) {
    return new Transaction(new Gtid(0, 1, seq), List.of(new byte[] {(byte) seq, 1, 2, 3, 4, 5, 6, 7}),
        "mysql-bin.000001", 4 + seq);
  }

  /** One node's chain over its log, checkpointing and trimming as a node does. */
  static final class Node implements AutoCloseable {
    final DiskChosenLog chosen;
    final ChainedLog chain;
    final ChainCheckpointFile file;
    private boolean master;

    Node(Path d, long first) {
      chosen = new DiskChosenLog(logConfig(d.resolve("paxos"), first));
      chain = new ChainedLog(chosen, 1, r -> { }, EVERY);
      file = new ChainCheckpointFile(d);
    }

    /** Starts from the stored checkpoint, or from the log's beginning when there is none. */
    Node start() {
      file.read().ifPresentOrElse(chain::start, chain::start);
      return this;
    }

    /** Appends {@code n} transactions after {@code from}, as a master does, checkpointing as it goes. */
    void write(long from, long n) throws Exception {
      if (!master) {
        join(chain.beginEpoch(chain.state().epoch() + 1));
        master = true;
      }
      for (long s = from + 1; s <= from + n; ) {
        List<Future<LogEntry>> batch = new ArrayList<>();
        for (int k = 0; k < 2_000 && s <= from + n; k++, s++) {
          batch.add(chain.append(tx(s)));
        }
        join(Future.all(batch));
        checkpoint();
      }
    }

    /**
     * What a node does every few seconds: persist the newest checkpoint its database applied (here: all but
     * the last 1,000 transactions), trim the log.
     */
    void checkpoint() throws Exception {
      long applied = chain.state().lastSequence() - 1_000;
      if (applied <= 0) {
        return;
      }
      var cp = chain.checkpointCovered(GtidState.of(List.of(new Gtid(0, 1, applied))));
      if (cp.isEmpty() || chain.base().map(b -> b.equals(cp.get())).orElse(false)) {
        return;
      }
      file.write(cp.get());
      chain.checkpointed(cp.get());
      long floor = cp.get().next().instance();
      chosen.log.retain(floor, floor).join();
    }

    @Override
    public void close() throws Exception {
      chain.stop();
      chosen.close();
    }
  }

  static <T> T join(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static long liveHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Opens the node again and times how long until its chain stands where it stood. */
  static long restartMillis(Path d, long first, long lastSequence) throws Exception {
    long t0 = System.nanoTime();
    try (Node n = new Node(d, first).start()) {
      assertEquals(lastSequence, n.chain.state().lastSequence());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      List<LogEntry> tail = join(n.chain.read(lastSequence, 1));
      assertEquals(new Gtid(0, 1, lastSequence), tail.get(0).transaction().gtid());
      return ms;
    }
  }

  static long medianRestart(Path d, long first, long lastSequence) throws Exception {
    long[] t = new long[5];
    for (int i = 0; i < t.length; i++) {
      t[i] = restartMillis(d, first, lastSequence);
    }
    Arrays.sort(t);
    return t[t.length / 2];
  }

  @Test
  void theWindowAndTheLogStayBoundedAndARestartReadsOnlyAfterTheCheckpoint() throws Exception {
    long first = (1L << 32) - 5_000;   // crosses 2^32 on the way
    Path d = dir.resolve("n1");
    try (Node n = new Node(d, first).start()) {
      n.write(0, 30_000);
      assertTrue(n.chosen.log.chosenBelow() > 1L << 32);
      assertTrue(n.chain.windowSize() <= 3 * EVERY, "window " + n.chain.windowSize());
      assertTrue(n.chosen.log.firstRetained() > first + 20_000, "log trimmed: " + n.chosen.log.firstRetained());
      // A replica at the checkpoint's GTID, or after it, still finds where to resume.
      ChainCheckpoint cp = n.chain.base().orElseThrow();
      long at = join(n.chain.locate(cp.state().gtids()));
      assertEquals(cp.state().lastSequence() + 1, at);
      assertEquals(new Gtid(0, 1, at), join(n.chain.read(at, 1)).get(0).transaction().gtid());
      assertEquals(29_001L, join(n.chain.locate(GtidState.parse("0-1-29000"))));
      // A resend of a recent transaction is recognised; one before the window fails with a clear reason.
      assertEquals(29_990L, join(n.chain.append(tx(29_990))).sequence());
      Future<LogEntry> old = n.chain.append(tx(5));
      assertTrue(old.failed() && old.cause().getMessage().contains("older than the chain's retained window"),
          String.valueOf(old.cause()));
    }
    try (Node n = new Node(d, first).start()) {
      assertEquals(30_000, n.chain.state().lastSequence());
      assertTrue(n.chain.windowSize() <= 3 * EVERY);
      n.write(30_000, 1_000);
      assertEquals(31_000, n.chain.state().lastSequence());
    }
  }

  @Test
  void aNodeSeededWithAPeersCheckpointContinuesFromIt() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    ChainCheckpoint cp;
    try (Node donor = new Node(a, 0).start()) {
      donor.write(0, 10_000);
      cp = donor.chain.base().orElseThrow();   // what a donor sends with a backup taken after it
      assertTrue(cp.state().lastSequence() <= 9_000);
      // The joiner's own log is started over at the checkpoint; its old one (behind) is moved aside.
      try (Node stale = new Node(b, 0).start()) {
        stale.write(0, 10);
      }
      assertTrue(LogReseed.startAt(logConfig(b.resolve("paxos"), 0), cp.next().instance()).isPresent());
      new ChainCheckpointFile(b).write(cp);
      try (Node joiner = new Node(b, 0).start()) {
        assertEquals(cp.next().instance(), joiner.chosen.log.firstRetained());
        assertEquals(cp.state(), joiner.chain.state());
        // Catch-up: the joiner gets the donor's chosen values from the checkpoint on, in order.
        for (ChosenEntry e : join(donor.chosen.read(cp.next(), 20_000))) {
          join(joiner.chosen.propose(e.bytes()));
        }
        assertEquals(donor.chain.state().gtids(), joiner.chain.state().gtids());
        assertEquals(10_000, joiner.chain.state().lastSequence());
        long from = join(joiner.chain.locate(cp.state().gtids()));
        assertEquals(cp.state().lastSequence() + 1, from);
        assertEquals(join(donor.chain.read(from, 5)).get(4).transaction().gtid(),
            join(joiner.chain.read(from, 5)).get(4).transaction().gtid());
      }
    }
  }

  @Test
  void aDamagedCheckpointIsRefusedNamingTheFile() throws Exception {
    ChainCheckpoint cp = new ChainCheckpoint(new LogPosition(5, 1), ChainState.EMPTY);
    byte[] bytes = cp.encode();
    assertEquals(cp, ChainCheckpoint.decode(bytes, "x"));
    bytes[20] ^= 1;
    byte[] damaged = bytes;
    var e = assertThrows(IllegalArgumentException.class,
        () -> ChainCheckpoint.decode(damaged, "/data/chain.checkpoint"));
    assertTrue(e.getMessage().contains("/data/chain.checkpoint") && e.getMessage().contains("checksum"), e.getMessage());
  }

  /**
   * A million small transactions through the chain and the real log: live heap after a full GC stays within
   * 20 MB of its value after 10,000, and a restart takes less than twice as long as after 1,000.
   */
  @Test
  @Tag("slow")
  void aMillionTransactionsCostNoMoreHeapAndNoLongerRestartThanTenThousand() throws Exception {
    long small = medianRestartAfter(dir.resolve("small"), 1_000);
    Path d = dir.resolve("big");
    long heapAt10k;
    long heapAt1m;
    try (Node n = new Node(d, 0).start()) {
      n.write(0, 10_000);
      heapAt10k = liveHeapAfterGc();
      long t0 = System.nanoTime();
      for (long s = 10_000; s < 1_000_000; s += 90_000) {
        n.write(s, Math.min(90_000, 1_000_000 - s));
      }
      LOG.info("990,000 transactions in {} s", (System.nanoTime() - t0) / 1_000_000_000);
      heapAt1m = liveHeapAfterGc();
      LOG.info("window {} transactions, log holds {} bytes in {} files", n.chain.windowSize(),
          n.chosen.log.heldBytes(), n.chosen.log.files().size());
    }
    long big = medianRestart(d, 0, 1_000_000);
    LOG.info("live heap after full GC: {} KB after 10,000, {} KB after 1,000,000; restart {} ms after 1,000,"
        + " {} ms after 1,000,000", heapAt10k >> 10, heapAt1m >> 10, small, big);
    assertTrue(heapAt1m - heapAt10k < 20L << 20, "heap grew by " + ((heapAt1m - heapAt10k) >> 20) + " MB");
    assertTrue(big < 2 * Math.max(small, 50), "restart " + big + " ms after 1,000,000 vs " + small + " ms after 1,000");
  }

  private static long medianRestartAfter(Path d, long n) throws Exception {
    try (Node node = new Node(d, 0).start()) {
      node.write(0, n);
    }
    return medianRestart(d, 0, n);
  }
}
