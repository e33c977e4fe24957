package io.paxosql.node.status;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The size of a node's Paxos log directory and the free space of the file system it is on. Blocking
 * (it walks the directory): call it on a worker thread.
 *
 * @param logDirBytes bytes the log's files take on disk by their length
 * @param freeBytes   bytes free for this process on the log's file system
 * @param totalBytes  that file system's size
 */
public record DiskUsage(long logDirBytes, long freeBytes, long totalBytes) {
  /** Below this share of the file system free, the page shows disk space in the warning colour. */
  public static final double WARN_FREE_FRACTION = 0.10;

  public static DiskUsage measure(Path logDir) {
    try {
      FileStore store = Files.getFileStore(Files.exists(logDir) ? logDir : logDir.toAbsolutePath().getParent());
      return new DiskUsage(sizeOf(logDir), store.getUsableSpace(), store.getTotalSpace());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure the disk use of " + logDir, e);
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long[] total = {0};
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) {
          total[0] += attrs.size();
        }
        return FileVisitResult.CONTINUE;
      }

      // A file retention deletes (or a roll renames) between the directory's listing and its attributes
      // counts as gone; Files.walk threw instead, and the status recorder lost that sample.
      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
    return total[0];
  }

  public boolean low() {
    return totalBytes > 0 && freeBytes < totalBytes * WARN_FREE_FRACTION;
  }

  public JsonObject toJson() {
    return new JsonObject().put("logDirBytes", logDirBytes).put("freeBytes", freeBytes).put("totalBytes", totalBytes)
        .put("low", low()).put("warnFreeFraction", WARN_FREE_FRACTION);
  }
}
