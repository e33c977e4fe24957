package io.paxosql.log;

import static io.paxosql.log.LogFixture.chosen;
import static io.paxosql.log.LogFixture.readAll;
import static io.paxosql.log.LogFixture.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damages real Chronicle files the way a crash or a bad disk would, then reopens them. */
class CrashRecoveryTest {
  static final int N = 200;
  @TempDir Path dir;
  final LogFixture fx = new LogFixture();

  private String fill(LogConfig cfg, long damaged) {
    try (PaxosLog log = fx.open(cfg)) {
      chosen(log, 0, N, 300, 20);
      return log.locate(damaged);
    }
  }

  private static void poke(String location, long delta, byte[] bytes) throws Exception {
    int at = location.lastIndexOf('@');
    try (RandomAccessFile f = new RandomAccessFile(location.substring(0, at), "rw")) {
      f.seek(Long.parseLong(location.substring(at + 1)) + delta);
      f.write(bytes);
    }
  }

  @Test
  void aFlippedByteInTheTailRefusesToStartNamingFileAndOffset() throws Exception {
    LogConfig cfg = fx.config(dir);
    String where = fill(cfg, N - 1);
    poke(where, 4 + 30, new byte[] {0x55});
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    int at = where.lastIndexOf('@');
    assertTrue(e.getMessage().contains(where.substring(0, at) + " offset " + where.substring(at + 1)), e.getMessage());
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
  }

  @Test
  void aFlippedByteInTheMiddleRefusesToStart() throws Exception {
    LogConfig cfg = fx.config(dir);
    String where = fill(cfg, N / 2);
    poke(where, 4 + 1, new byte[] {(byte) 0xEE});
    assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
  }

  @Test
  void aTornTailThatChronicleStillListsRefusesToStartNamingTheLastGoodEntry() throws Exception {
    LogConfig cfg = fx.config(dir);
    String last = fill(cfg, N - 1);
    String before;
    try (PaxosLog log = fx.open(cfg)) {
      before = log.locate(N - 2);
    }
    // Header and body of the last entry are zero, as if its pages never reached disk while Chronicle's
    // write position did.
    poke(last, 0, new byte[4 + 2 + 12 + 300 + 4]);
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    int at = before.lastIndexOf('@');
    assertTrue(e.getMessage().contains(before.substring(0, at) + " offset " + before.substring(at + 1)), e.getMessage());
    assertTrue(e.getMessage().contains("torn write"), e.getMessage());
  }

  @Test
  void anIncompleteHeaderBeforeTheWritePositionRefusesToStart() throws Exception {
    LogConfig cfg = fx.config(dir);
    String where = fill(cfg, N - 1);
    // Chronicle marks a document being written with the top bit of its (little-endian) header.
    poke(where, 0, new byte[] {0, 0, 0, (byte) 0x80});
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    assertTrue(e.getMessage().contains("torn write"), e.getMessage());
  }
}
