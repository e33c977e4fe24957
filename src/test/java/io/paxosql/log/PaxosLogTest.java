package io.paxosql.log;

import static io.paxosql.log.LogFixture.chosen;
import static io.paxosql.log.LogFixture.persist;
import static io.paxosql.log.LogFixture.readAll;
import static io.paxosql.log.LogFixture.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaxosLogTest {
  @TempDir Path dir;
  final LogFixture fx = new LogFixture();

  @Test
  void acceptorStateAndChosenValuesSurviveReopen() {
    LogConfig cfg = fx.config(dir);
    try (PaxosLog log = fx.open(cfg)) {
      persist(log, List.of(new LogRecord.Promised(3, 2),
          new LogRecord.Accepted(0, 3, 2, value(0, 10)),
          new LogRecord.Accepted(1, 3, 2, value(1, 10)),
          new LogRecord.Members(64, new int[] {1, 2, 3, 4})));
      persist(log, List.of(new LogRecord.Chosen(0, value(0, 10)), new LogRecord.Promised(4, 1),
          new LogRecord.Accepted(2, 4, 1, value(2, 5))));
      assertEquals(1, log.chosenBelow());
    }
    try (PaxosLog log = fx.open(cfg)) {
      Recovered r = log.recovered();
      assertEquals(new LogRecord.Promised(4, 1), r.promised());
      assertEquals(List.of(new LogRecord.Accepted(1, 3, 2, value(1, 10)), new LogRecord.Accepted(2, 4, 1, value(2, 5))),
          r.accepted());
      assertEquals(List.of(new LogRecord.Members(64, new int[] {1, 2, 3, 4})), r.members());
      assertEquals(0, r.firstRetained());
      assertEquals(1, r.chosenBelow());
      assertArrayEquals(value(0, 10), readAll(log, 0).get(0).value());
    }
    assertNull(fx.fatal.get());
  }

  @Test
  void oneSyncCoversEveryRecordQueuedMeanwhile() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (PaxosLog log = fx.open(fx.config(dir).withRegistry(reg))) {
      int n = 2_000;
      CountDownLatch done = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        log.persist(List.of(new LogRecord.Chosen(i, value(i, 64))), done::countDown);
      }
      assertTrue(done.await(60, TimeUnit.SECONDS));
      long syncs = reg.get("paxosql.log.fsync").timer().count();
      assertTrue(syncs < n, "expected group commit: " + syncs + " syncs for " + n + " batches");
      assertEquals(n, readAll(log, 0).size());
    }
  }

  @Test
  void completionsRunInPersistOrder() throws Exception {
    List<Integer> order = new ArrayList<>();
    try (PaxosLog log = PaxosLog.open(fx.config(dir), Runnable::run, fx.fatal::set)) {
      CountDownLatch done = new CountDownLatch(500);
      for (int i = 0; i < 500; i++) {
        int k = i;
        log.persist(List.of(new LogRecord.Promised(i, 1)), () -> {
          synchronized (order) {
            order.add(k);
          }
          done.countDown();
        });
      }
      assertTrue(done.await(60, TimeUnit.SECONDS));
    }
    for (int i = 0; i < 500; i++) {
      assertEquals(i, order.get(i));
    }
  }

  @Test
  void readsAreBoundedByCountAndBytes() {
    try (PaxosLog log = fx.open(fx.config(dir))) {
      chosen(log, 0, 100, 1000, 10);
      assertEquals(7, log.read(10, 7, 1 << 20).join().values().size());
      ReadResult r = log.read(10, 100, 2500).join();
      assertEquals(3, r.values().size());
      assertEquals(10, r.values().get(0).instance());
      assertTrue(log.read(100, 10, 1000).join().values().isEmpty());
      assertFalse(log.read(100, 10, 1000).join().snapshotNeeded());
    }
  }

  @Test
  void haltLosesNothingThatWasReportedDurable() throws Exception {
    LogConfig cfg = fx.config(dir);
    PaxosLog log = fx.open(cfg);
    chosen(log, 0, 1000, 100, 50);
    // More writes in flight when the "process dies": some may land, none may be reported.
    for (long i = 1000; i < 1100; i++) {
      log.persist(List.of(new LogRecord.Chosen(i, value(i, 100))), () -> { });
    }
    log.halt();
    try (PaxosLog again = fx.open(cfg)) {
      long end = again.chosenBelow();
      assertTrue(end >= 1000 && end <= 1100, "chosenBelow " + end);
      List<LogRecord.Chosen> all = readAll(again, 0);
      assertEquals(end, all.size());
      for (LogRecord.Chosen c : all) {
        assertArrayEquals(value(c.instance(), 100), c.value());
      }
      chosen(again, end, end + 10, 100, 5);
      assertEquals(end + 10, again.chosenBelow());
    }
  }

  @Test
  void readsCrossTheFileOfAHaltedWriterThatWasNeverClosed() throws Exception {
    LogConfig cfg = fx.config(dir);
    PaxosLog log = fx.open(cfg);
    chosen(log, 0, 200, 100, 20);
    log.halt();
    fx.clock.advanceMillis(1500);
    try (PaxosLog again = fx.open(cfg)) {
      chosen(again, 200, 400, 100, 20);
      fx.clock.advanceMillis(1500);
      chosen(again, 400, 500, 100, 20);
      List<LogRecord.Chosen> all = readAll(again, 0);
      assertEquals(500, all.size(), "read stopped at " + (all.isEmpty() ? -1 : all.get(all.size() - 1).instance()));
    }
    try (PaxosLog third = fx.open(cfg)) {
      assertEquals(500, readAll(third, 0).size());
    }
  }
}
