package io.paxosql.log;

import static io.paxosql.log.LogFixture.chosen;
import static io.paxosql.log.LogFixture.readAll;
import static io.paxosql.log.LogFixture.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damages real Chronicle files the way a crash or a bad disk would, then reopens them. */
class CrashRecoveryTest {
  static final int N = 200;
  @TempDir Path dir;
  final LogFixture fx = new LogFixture();

  private LogDamage fill(LogConfig cfg, long damaged) {
    return LogDamage.at(fx.writeAndLocate(cfg, log -> chosen(log, 0, N, 300, 20), damaged));
  }

  @Test
  void aFlippedByteInTheTailRefusesToStartNamingFileAndOffset() throws Exception {
    LogConfig cfg = fx.config(dir);
    LogDamage where = fill(cfg, N - 1);
    where.write(4 + 30, new byte[] {0x55});
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    where.assertNamedBy(e);
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
  }

  @Test
  void aFlippedByteInTheMiddleRefusesToStart() throws Exception {
    LogConfig cfg = fx.config(dir);
    LogDamage where = fill(cfg, N / 2);
    where.write(4 + 1, new byte[] {(byte) 0xEE});
    assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
  }

  @Test
  void aTornTailThatChronicleStillListsRefusesToStartNamingTheLastGoodEntry() throws Exception {
    LogConfig cfg = fx.config(dir);
    LogDamage last = fill(cfg, N - 1);
    LogDamage before;
    try (PaxosLog log = fx.open(cfg)) {
      before = LogDamage.at(log.locate(N - 2));
    }
    // Header and body of the last entry are zero, as if its pages never reached disk while Chronicle's
    // write position did.
    last.write(0, new byte[4 + 2 + 12 + 300 + 4]);
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    before.assertNamedBy(e);
    assertTrue(e.getMessage().contains("torn write"), e.getMessage());
  }

  @Test
  void anIncompleteHeaderBeforeTheWritePositionRefusesToStart() throws Exception {
    LogConfig cfg = fx.config(dir);
    LogDamage where = fill(cfg, N - 1);
    // Chronicle marks a document being written with the top bit of its (little-endian) header.
    where.write(0, new byte[] {0, 0, 0, (byte) 0x80});
    LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> fx.open(cfg));
    assertTrue(e.getMessage().contains("torn write"), e.getMessage());
  }
}
