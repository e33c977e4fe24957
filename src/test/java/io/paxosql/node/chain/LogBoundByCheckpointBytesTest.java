package io.paxosql.node.chain;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.config.LogSettings;
import io.paxosql.log.LogConfig;
import io.paxosql.log.LogConfig.SyncMethod;
import io.paxosql.testing.DiskBlocks;
import io.paxosql.testing.LogDirectoryBound;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Paxos log stays within {@code log.retainBytes} plus one roll file when a lagging member would keep
 * all of it: retention gives way beyond the bound but never deletes at or after the node's chain checkpoint,
 * and the chain takes a checkpoint candidate by bytes ({@link LogSettings#defaultCheckpointBytes}), not only
 * every {@code log.checkpointEvery} values. The node's own wiring is copied: default checkpointEvery, the
 * checkpoint its database applied persisted, retention with that floor and a member stuck at the beginning.
 * The bound holds in bytes of entries and in blocks on disk ({@link LogDirectoryBound}).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LogBoundByCheckpointBytesTest {
  private static final Logger LOG = LoggerFactory.getLogger(LogBoundByCheckpointBytesTest.class);
  private static final long RETAIN = 4L << 20;
  /** NodeWiring's roll size for this bound. */
  private static final long ROLL = RETAIN / 16;
  @TempDir Path dir;

  @Test
  void manySmallValuesKeepTheLogWithinTheBound() throws Exception {
    long max = writeAndRetain(dir.resolve("small"), 300, 32_000, 500);
    assertTrue(max <= RETAIN + ROLL, "the log held " + max + " bytes after retention; bound " + (RETAIN + ROLL));
  }

  @Test
  void fewBigValuesKeepTheLogWithinTheBound() throws Exception {
    long max = writeAndRetain(dir.resolve("big"), 600 << 10, 24, 1);
    assertTrue(max <= RETAIN + ROLL, "the log held " + max + " bytes after retention; bound " + (RETAIN + ROLL));
  }

  /**
   * Appends {@code count} transactions of {@code payload} bytes, {@code batch} at a time; after each batch the
   * node persists the newest candidate its database applied (all of it) and runs retention with a member that
   * applied nothing. Returns the most bytes the log held after a retention run.
   */
  private static long writeAndRetain(Path d, int payload, int count, int batch) throws Exception {
    LogConfig cfg = LogConfig.defaults(d).withSync(SyncMethod.NONE)
        .withRollCycle(TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE).withRetention(0, Duration.ZERO)
        .withBounds(new LogConfig.Bounds(RETAIN, Duration.ofDays(1), ROLL));
    long max = 0;
    long maxDisk = 0;
    long floor = Long.MIN_VALUE;   // ChainCheckpointer's floor before the first checkpoint: the whole log
    try (DiskChosenLog chosen = new DiskChosenLog(cfg, true)) {
      ChainedLog chain = new ChainedLog(chosen, 1, r -> { }, LogSettings.DEFAULTS.checkpointEvery(),
          LogSettings.defaultCheckpointBytes(RETAIN));
      chain.start();
      join(chain.beginEpoch(1));
      byte[] body = new byte[payload];
      for (int s = 1; s <= count; ) {
        List<Future<LogEntry>> appends = new ArrayList<>();
        for (int k = 0; k < batch && s <= count; k++, s++) {
          appends.add(chain.append(new Transaction(new Gtid(0, 1, s), List.of(body), "mysql-bin.000001", 4L + s)));
        }
        join(Future.all(appends));
        Optional<ChainCheckpoint> cp = chain.checkpointCovered(chain.state().gtids());
        if (cp.isPresent()) {
          chain.checkpointed(cp.get());
          floor = cp.get().next().instance();
        }
        join(Future.fromCompletionStage(chosen.log.retain(0, floor)));
        max = Math.max(max, chosen.log.heldBytes());
        // On disk too: the roll files are sparse, so their blocks, not their lengths, against the bound.
        DiskBlocks.Usage disk = DiskBlocks.of(d);
        String over = LogDirectoryBound.of(disk, RETAIN, ROLL).violation(disk);
        assertNull(over, over);
        maxDisk = Math.max(maxDisk, disk.allocatedBytes());
      }
      long written = (long) payload * count;
      LOG.info("{} values of {} bytes: the log held at most {} bytes of entries after retention (bound {} + roll {}),"
          + " at most {} B on disk; it starts at {} of {}", count, payload, max, RETAIN, ROLL, maxDisk,
          chosen.log.firstRetained(), chosen.log.chosenBelow());
      assertTrue(written > 2 * RETAIN, "wrote well past the bound: " + written);
      chain.stop();
    }
    return max;
  }

  private static <T> T join(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
