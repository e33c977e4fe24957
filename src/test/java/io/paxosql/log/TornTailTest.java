package io.paxosql.log;

import static io.paxosql.log.LogFixture.chosen;
import static io.paxosql.log.LogFixture.persist;
import static io.paxosql.log.LogFixture.readAll;
import static io.paxosql.log.LogFixture.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A last entry whose body never reached disk, as a full disk leaves it: Chronicle framed it (its header is
 * complete), but the mapped page holding the end of its body could not be backed and reads back as zeros,
 * checksum included. Such an entry was never synced, so the log drops it at open; the same damage with
 * readable entries after it is real corruption and is still refused.
 */
@Timeout(120)
class TornTailTest {
  static final int N = 40;
  /** Larger than a page, so every chosen entry's body crosses a page boundary. */
  static final int SIZE = 6000;
  /** Values of the full-disk test: many pages each, like the 64 KiB rows that filled a node's disk. */
  static final int FILL_SIZE = 70_000;
  @TempDir Path dir;
  final LogFixture fx = new LogFixture();

  private LogDamage fill(LogConfig cfg, long damaged) {
    return LogDamage.at(fx.writeAndLocate(cfg, log -> {
      persist(log, List.of(new LogRecord.Promised(7, 2)));
      chosen(log, 0, N, SIZE, 5);
    }, damaged));
  }

  /** Zeros the entry from the first page boundary in its body to its end. */
  private static void loseLastPage(LogDamage entry, int bodyBytes) throws Exception {
    long end = entry.header() + 4 + bodyBytes;
    long page = entry.firstPageInBody();
    assertTrue(page < end, "the entry must cross a page boundary");
    entry.zero(page, end);
  }

  @Test
  void aTornLastEntryIsDroppedAndTheLogAppendsAfterIt() throws Exception {
    LogConfig cfg = fx.config(dir);
    LogDamage last = fill(cfg, N - 1);
    loseLastPage(last, 2 + 12 + SIZE + 4);
    try (PaxosLog log = fx.open(cfg)) {
      assertEquals(N - 1, log.chosenBelow(), "everything before the torn entry is kept, the torn one is not");
      assertEquals(new LogRecord.Promised(7, 2), log.recovered().promised());
      List<LogRecord.Chosen> got = readAll(log, 0);
      assertEquals(N - 1, got.size());
      for (LogRecord.Chosen c : got) {
        assertArrayEquals(value(c.instance(), SIZE), c.value(), "instance " + c.instance());
      }
      persist(log, List.of(new LogRecord.Chosen(N - 1, value(1000, 100))));
      chosen(log, N, N + 3, 100, 1);
    }
    for (int reopen = 0; reopen < 2; reopen++) {
      try (PaxosLog log = fx.open(cfg)) {
        assertEquals(N + 3, log.chosenBelow());
        List<LogRecord.Chosen> got = readAll(log, 0);
        assertEquals(N + 3, got.size());
        assertArrayEquals(value(1000, 100), got.get(N - 1).value(), "the value appended after the drop");
        assertArrayEquals(value(N + 2, 100), got.get(N + 2).value());
      }
    }
  }

  /**
   * The real thing: the log on a small tmpfs that fills while appending. The writer fails and the log halts;
   * once the filesystem has room again the log must open with every value that was reported durable, take
   * new appends and keep them across another reopen. Needs root (mount); skipped otherwise.
   */
  @Test
  void aLogWhoseDiskFilledOpensOnceSpaceIsFreed() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "assumption: mounting a tmpfs needs root");
    Path mnt = dir.resolve("small");
    Files.createDirectories(mnt);
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt.toString()) == 0,
        "assumption: mount -t tmpfs works here");
    try {
      LogConfig cfg = fx.config(mnt.resolve("log"));
      long durable = 0;
      PaxosLog log = fx.open(cfg);
      try {
        for (long i = 0; i < 10_000 && fx.fatal.get() == null; i++) {
          CompletableFuture<Void> done = new CompletableFuture<>();
          try {
            log.persist(List.of(new LogRecord.Chosen(i, value(i, FILL_SIZE))), () -> done.complete(null));
          } catch (IllegalStateException closed) {
            break;
          }
          if (!durableOrFatal(done)) {
            break;
          }
          durable = i + 1;
        }
      } finally {
        log.halt();
      }
      assertTrue(fx.fatal.get() != null, "the writer reported the full disk (" + durable + " values durable)");
      assertTrue(durable > 0, "some values were durable before the disk filled");
      assertEquals(0, run("mount", "-o", "remount,size=16m", mnt.toString()), "remount with room");
      long kept;
      try (PaxosLog reopened = fx.open(cfg)) {
        kept = reopened.chosenBelow();
        assertTrue(kept >= durable, kept + " values kept, " + durable + " were reported durable");
        List<LogRecord.Chosen> got = readAll(reopened, 0);
        assertEquals(kept, got.size());
        for (LogRecord.Chosen c : got) {
          assertArrayEquals(value(c.instance(), FILL_SIZE), c.value(), "instance " + c.instance());
        }
        chosen(reopened, kept, kept + 3, 100, 1);
      }
      try (PaxosLog again = fx.open(cfg)) {
        assertEquals(kept + 3, again.chosenBelow());
        assertArrayEquals(value(kept + 2, 100), readAll(again, kept).get(2).value());
      }
    } finally {
      run("umount", "-l", mnt.toString());
    }
  }

  /** Waits (bounded) until {@code done} completes (true) or the writer reports a fatal failure (false). */
  private boolean durableOrFatal(CompletableFuture<Void> done) throws Exception {
    for (int i = 0; i < 300; i++) {
      try {
        done.get(100, TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException notYet) {
        if (fx.fatal.get() != null) {
          return false;
        }
      }
    }
    throw new AssertionError("a persist neither completed nor failed within 30 s");
  }

  private static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish within 30 s");
    }
    return p.exitValue();
  }

  @Test
  void theSameDamageBeforeReadableEntriesIsRefused() throws Exception {
    LogConfig cfg = fx.config(dir);
    LogDamage middle = fill(cfg, N / 2);
    loseLastPage(middle, 2 + 12 + SIZE + 4);
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    middle.assertNamedBy(e);
    assertTrue(e.getMessage().contains("checksum mismatch (stored 00000000"), e.getMessage());
  }

  @Test
  void aDamagedLastEntryWhoseChecksumWasWrittenIsRefused() throws Exception {
    LogConfig cfg = fx.config(dir);
    LogDamage last = fill(cfg, N - 1);
    // The checksum and the end of the body reached disk, a page before them did not: that was synced
    // and then lost, not a write cut short.
    long page = last.firstPageInBody();
    last.zero(page - 100, page);
    assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
  }
}
