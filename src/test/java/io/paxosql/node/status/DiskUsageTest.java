package io.paxosql.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskUsageTest {

  @Test
  void sumsTheLengthsOfEveryFileUnderTheDirectory(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("20261207.cq4"), new byte[3000]);
    Files.createDirectories(dir.resolve("sub"));
    Files.write(dir.resolve("sub").resolve("metadata.cq4t"), new byte[500]);

    DiskUsage usage = DiskUsage.measure(dir);

    assertEquals(3500, usage.logDirBytes());
    assertTrue(usage.totalBytes() > 0 && usage.freeBytes() <= usage.totalBytes(), usage.toString());
  }

  @Test
  void aMissingDirectoryIsEmptyAndStillReportsItsFileSystem(@TempDir Path dir) {
    DiskUsage usage = DiskUsage.measure(dir.resolve("not-yet"));

    assertEquals(0, usage.logDirBytes());
    assertTrue(usage.totalBytes() > 0, usage.toString());
  }

  @Test
  void filesDeletedWhileTheDirectoryIsWalkedCountAsGone(@TempDir Path dir) throws Exception {
    // Retention deletes roll files while the status recorder measures; each measure must still answer.
    for (int i = 0; i < 200; i++) {
      Files.write(dir.resolve(i + ".cq4"), new byte[10]);
    }
    Thread deleter = new Thread(() -> {
      for (int i = 0; i < 200; i++) {
        try {
          Files.deleteIfExists(dir.resolve(i + ".cq4"));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    });
    deleter.start();
    for (int round = 0; round < 50 && deleter.isAlive(); round++) {
      long bytes = DiskUsage.measure(dir).logDirBytes();
      assertTrue(bytes >= 0 && bytes <= 2000, "bytes " + bytes);
    }
    deleter.join();
    assertEquals(0, DiskUsage.measure(dir).logDirBytes());
  }
}
