package io.paxosql.log;

import static io.paxosql.log.LogFixture.chosen;
import static io.paxosql.log.LogFixture.persist;
import static io.paxosql.log.LogFixture.value;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sync writes back what was appended, not ever larger page-cache folios: once the roll file holds tens of
 * MB, one 4 KB value made durable must not make the process write megabytes. Without the log's
 * {@code MADV_RANDOM} advice each such sync wrote back ~2 MB on Linux 6.x ext4 (see {@link MappingAdvice}).
 */
class SyncWriteBackTest {
  private static final int VALUE = 4096;

  @TempDir Path dir;
  final LogFixture fx = new LogFixture();

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void oneSmallValueWritesBackLittleInALargeRollFile() throws IOException {
    // Hourly files (the default), so the 48 MB below stay in one roll file.
    LogConfig cfg = LogConfig.defaults(dir).withRegistry(fx.config(dir).registry());
    try (PaxosLog log = fx.open(cfg)) {
      long filled = 12_000;
      chosen(log, 0, filled, VALUE, 500);
      int values = 200;
      long before = writeBytes();
      for (long i = filled; i < filled + values; i++) {
        persist(log, List.of(new LogRecord.Chosen(i, value(i, VALUE))));
      }
      long perValue = (writeBytes() - before) / values;
      // 4 KB of value plus the record, index and header pages it touches: ~16 KB measured; 2 MB without advice.
      assertTrue(perValue < 256 * 1024, "each 4 KB value made durable wrote back " + perValue / 1024
          + " KB: the page cache of the roll file holds large folios again (is the mapping still advised?)");
    }
    assertNull(fx.fatal.get());
  }

  /** Bytes this process caused to be written to storage so far; the kernel counts a whole folio per dirtying. */
  private static long writeBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
      if (line.startsWith("write_bytes:")) {
        return Long.parseLong(line.substring("write_bytes:".length()).trim());
      }
    }
    throw new AssertionError("/proc/self/io has no write_bytes line");
  }
}
