package io.paxosql.log;

import static io.paxosql.log.LogFixture.persist;
import static io.paxosql.log.LogFixture.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A last entry torn by a power cut at a 512-byte sector boundary inside a page, in a real Chronicle file: the
 * device wrote the sectors before the boundary and none after it, so the end of the body reads as zeros,
 * checksum included, with no page boundary among them. It was never synced, so the log drops it at open as it
 * drops a page-aligned tear; the same tear with a readable entry after it, or with its checksum on disk, is
 * still refused.
 */
@Timeout(120)
class SectorTornTailTest {
  private static final int SECTOR = 512;
  private static final int PAGE = 4096;
  /** Chosen entries written before any may be torn, so the drop is seen to keep them. */
  private static final int KEPT = 3;
  /** Entries tried for one that fits a {@link Tear}; about 7 in 8 do. */
  private static final int TRIES = 64;
  @TempDir Path dir;
  final LogFixture fx = new LogFixture();

  /**
   * A chosen entry, its body ending at {@code end}, whose last sector boundary before its checksum
   * ({@code sector}) lies inside a page that also holds the body's end: zeros from there tear it at a sector,
   * nowhere near a page boundary.
   */
  private record Tear(LogDamage entry, long instance, long sector, long end) {
    /** Zeros the entry from its sector boundary to its end, as the power cut left it. */
    void apply() throws IOException {
      entry.zero(sector, end);
    }
  }

  /** The value of {@code instance}: {@code size} bytes, none zero, so a run of zeros is only the tear's. */
  private static byte[] value(long instance, int size) {
    byte[] v = new byte[size];
    for (int i = 0; i < size; i++) {
      v[i] = (byte) (1 + Math.floorMod(instance * 31 + i, 255));
    }
    return v;
  }

  private static int size(long instance) {
    return 900 + 37 * (int) instance;
  }

  /**
   * Writes a promise, then chosen entries of growing sizes until one after the first {@link #KEPT} fits a
   * {@link Tear}, then {@code after} more small ones; closes the log.
   */
  private Tear write(LogConfig cfg, int after) {
    try (PaxosLog log = fx.open(cfg)) {
      persist(log, List.of(new LogRecord.Promised(7, 2)));
      for (long i = 0; i < KEPT + TRIES; i++) {
        persist(log, List.of(new LogRecord.Chosen(i, value(i, size(i)))));
        LogDamage at = LogDamage.at(log.locate(i));
        long body = at.header() + 4;
        long end = body + 2 + 12 + size(i) + 4;
        long sector = (end - 4) / SECTOR * SECTOR;
        if (i >= KEPT && sector > body && sector % PAGE != 0 && sector / PAGE == (end - 1) / PAGE) {
          for (long k = i + 1; k <= i + after; k++) {
            persist(log, List.of(new LogRecord.Chosen(k, value(k, 100))));
          }
          return new Tear(at, i, sector, end);
        }
      }
    }
    throw new AssertionError("none of " + TRIES + " entries had a sector boundary inside a page before its checksum");
  }

  @Test
  void aLastEntryTornAtASectorInsideAPageIsDroppedAndTheLogAppendsAfterIt() throws Exception {
    LogConfig cfg = fx.config(dir);
    Tear tear = write(cfg, 0);
    tear.apply();
    long torn = tear.instance();
    try (PaxosLog log = fx.open(cfg)) {
      assertEquals(torn, log.chosenBelow(), "everything before the torn entry is kept, the torn one is not");
      assertEquals(new LogRecord.Promised(7, 2), log.recovered().promised());
      List<LogRecord.Chosen> got = readAll(log, 0);
      assertEquals(torn, got.size());
      assertTrue(torn >= KEPT);
      for (LogRecord.Chosen c : got) {
        assertArrayEquals(value(c.instance(), size(c.instance())), c.value(), "instance " + c.instance());
      }
      persist(log, List.of(new LogRecord.Chosen(torn, value(1000, 100))));
    }
    try (PaxosLog log = fx.open(cfg)) {
      assertEquals(torn + 1, log.chosenBelow());
      assertArrayEquals(value(1000, 100), readAll(log, torn).get(0).value(), "the value appended after the drop");
    }
  }

  @Test
  void theSameTearBeforeAReadableEntryIsRefused() throws Exception {
    LogConfig cfg = fx.config(dir);
    Tear tear = write(cfg, 1);
    tear.apply();
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    tear.entry().assertNamedBy(e);
    assertTrue(e.getMessage().contains("checksum mismatch (stored 00000000"), e.getMessage());
  }

  @Test
  void aSectorTearWhoseChecksumReachedDiskIsRefused() throws Exception {
    LogConfig cfg = fx.config(dir);
    Tear tear = write(cfg, 0);
    // The sector holding the checksum was written, the one before it was not: a hole, not a write cut short.
    tear.entry().zero(Math.max(tear.entry().header() + 4, tear.sector() - SECTOR), tear.sector());
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    tear.entry().assertNamedBy(e);
  }
}
