package io.paxosql.node.replog;

import io.paxosql.log.LogRecord;
import io.paxosql.log.SyncFault;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A test disk behind the log's sync seam: a sync of records that {@code affects} matches fails while
 * {@link #failing} is set, or waits while {@link #held} is set until the test counts the latch down (60 s
 * at most, then the sync fails). Other syncs pass untouched.
 */
final class HeldSyncDisk implements SyncFault {
  volatile CountDownLatch held;
  volatile boolean failing;
  final AtomicInteger heldSyncs = new AtomicInteger();
  final AtomicInteger failedSyncs = new AtomicInteger();
  private final Predicate<LogRecord.Accepted> affects;

  HeldSyncDisk(Predicate<LogRecord.Accepted> affects) {
    this.affects = affects;
  }

  @Override
  public void beforeSync(List<LogRecord> records) throws IOException {
    if (records.stream().noneMatch(r -> r instanceof LogRecord.Accepted a && affects.test(a))) {
      return;
    }
    if (failing) {
      failedSyncs.incrementAndGet();
      throw new IOException("injected: this disk fails every sync");
    }
    CountDownLatch h = held;
    if (h == null) {
      return;
    }
    heldSyncs.incrementAndGet();
    try {
      if (!h.await(60, TimeUnit.SECONDS)) {
        throw new IOException("injected slow sync was never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the sync was held", e);
    }
  }

  /** Lets every held sync go (for a test's teardown). */
  void release() {
    CountDownLatch h = held;
    if (h != null) {
      h.countDown();
    }
  }
}
