package io.paxosql.log;

import static io.paxosql.log.LogFixture.chosen;
import static io.paxosql.log.LogFixture.persist;
import static io.paxosql.log.LogFixture.readAll;
import static io.paxosql.log.LogFixture.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {
  static final int N = 100_000;
  static final int PER_FILE = 5_000;
  @TempDir Path dir;
  final LogFixture fx = new LogFixture();

  /** 100,000 chosen values over 20 one-second roll files; state written only in the first file. */
  private void fill(PaxosLog log, long base) {
    persist(log, List.of(new LogRecord.Promised(7, 3), new LogRecord.Members(base + 64, new int[] {1, 2, 3, 4}),
        new LogRecord.Accepted(base + N + 5, 7, 3, value(5, 8))));
    for (long i = 0; i < N; i += PER_FILE) {
      chosen(log, base + i, base + i + PER_FILE, 100, 1_000);
      fx.clock.advanceMillis(1_000);
    }
  }

  @ParameterizedTest(name = "first instance {0}")
  @ValueSource(longs = {0L, (1L << 31) - 40_000, (1L << 32) - 40_000})
  void deletesWholeFilesBelowTheSafeInstanceAndKeepsState(long base) {
    LogConfig cfg = fx.config(dir).withFirstInstance(base).withRetention(10_000, Duration.ZERO);
    try (PaxosLog log = fx.open(cfg)) {
      fill(log, base);
      int before = log.files().size();
      assertTrue(before >= 20, "files: " + before);
      // Slowest member applied up to base+90,000; keep 10,000 below it.
      int deleted = log.retain(base + 90_000).join();
      assertEquals(16, deleted);
      assertEquals(before - 16, log.files().size());
      assertEquals(base + 80_000, log.firstRetained());
      ReadResult gone = log.read(base + 79_999, 10, 1 << 20).join();
      assertTrue(gone.snapshotNeeded());
      assertEquals(base + 80_000, gone.firstRetained());
      ReadResult kept = log.read(base + 80_000, 10, 1 << 20).join();
      assertFalse(kept.snapshotNeeded());
      assertArrayEquals(value(base + 80_000, 100), kept.values().get(0).value());
      assertEquals(0, log.retain(base + 90_000).join(), "nothing more is below the safe instance");
    }
    try (PaxosLog log = fx.open(cfg)) {
      Recovered r = log.recovered();
      assertEquals(base + 80_000, r.firstRetained());
      assertEquals(base + N, r.chosenBelow());
      assertEquals(new LogRecord.Promised(7, 3), r.promised(), "promise carried past its deleted file");
      assertEquals(List.of(new LogRecord.Members(base + 64, new int[] {1, 2, 3, 4})), r.members());
      assertEquals(List.of(new LogRecord.Accepted(base + N + 5, 7, 3, value(5, 8))), r.accepted());
      List<LogRecord.Chosen> all = readAll(log, base + 80_000);
      assertEquals(20_000, all.size());
      assertEquals(base + N - 1, all.get(all.size() - 1).instance());
      chosen(log, base + N, base + N + 10, 100, 10);
      fx.clock.advanceMillis(1_000);
      chosen(log, base + N + 10, base + N + 20, 100, 10);
      // Safe instance is now base + 90,020: the files of [80,000, 85,000) and [85,000, 90,000) go.
      assertEquals(2, log.retain(base + N + 20).join());
      assertEquals(base + 90_000, log.firstRetained());
      assertEquals(10_020, readAll(log, base + 90_000).size());
    }
  }

  @Test
  void ageMarginKeepsRecentFiles() {
    LogConfig cfg = fx.config(dir).withRetention(0, Duration.ofSeconds(10));
    try (PaxosLog log = fx.open(cfg)) {
      fill(log, 0);
      // The last 10 seconds of files (instances >= 50,000) are too young to go, whatever members applied.
      log.retain(N).join();
      assertEquals(50_000, log.firstRetained());
    }
  }

  @Test
  void aMemberThatAppliedNothingHoldsEverything() {
    LogConfig cfg = fx.config(dir).withRetention(0, Duration.ZERO);
    try (PaxosLog log = fx.open(cfg)) {
      fill(log, 0);
      assertEquals(0, log.retain(0).join());
      assertEquals(0, log.retain(Long.MIN_VALUE).join());
      assertEquals(N, readAll(log, 0).size());
    }
  }
}
