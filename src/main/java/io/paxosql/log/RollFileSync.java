package io.paxosql.log;

import io.paxosql.log.LogConfig.SyncMethod;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import net.openhft.chronicle.queue.ExcerptAppender;

/**
 * Makes what the writer appended durable, once per group: the roll files written since the last sync and,
 * after a roll, the directory that lists the new file. Used by the writer thread only.
 *
 * <p>The file being written keeps its channel open between syncs; a file the writer rolled away from is
 * synced once more (Chronicle wrote its end-of-file marker) and then closed.
 */
final class RollFileSync implements AutoCloseable {
  private final SyncMethod method;
  private final Path dir;
  private final Map<Integer, FileChannel> unsynced = new TreeMap<>();
  private int currentCycle = Integer.MIN_VALUE;
  private boolean newFileSinceSync;

  RollFileSync(SyncMethod method, Path dir) {
    this.method = method;
    this.dir = dir;
  }

  /**
   * The writer's appends moved to the file of {@code cycle}; {@code previous} is the file it left (null on
   * the first append after open).
   */
  void rolled(File previous, int cycle, File file) {
    if (previous != null && !unsynced.containsKey(currentCycle)) {
      // Chronicle wrote an end-of-file marker into the previous file.
      unsynced.put(currentCycle, open(previous));
    }
    currentCycle = cycle;
    unsynced.computeIfAbsent(cycle, c -> open(file));
    newFileSinceSync = true;
  }

  /** Whether anything appended since the last sync may still be only in the page cache. */
  boolean pending() {
    return !unsynced.isEmpty();
  }

  /**
   * Makes every append so far durable with one sync per touched file (msync for the file being written
   * when {@link SyncMethod#MSYNC}), then the directory if a file was created.
   */
  void sync(ExcerptAppender appender) throws IOException {
    if (method == SyncMethod.NONE) {
      return;
    }
    if (method == SyncMethod.MSYNC) {
      appender.sync();
    }
    for (Map.Entry<Integer, FileChannel> e : unsynced.entrySet()) {
      // Under MSYNC the appender's sync covers only the file being written; a file the writer rolled away
      // from still needs its own.
      if (method == SyncMethod.FDATASYNC || e.getKey() != currentCycle) {
        e.getValue().force(false);
      }
    }
    if (newFileSinceSync) {
      // A new roll file's directory entry is not durable until the directory itself is synced.
      syncDirectory();
      newFileSinceSync = false;
    }
    for (Iterator<Map.Entry<Integer, FileChannel>> it = unsynced.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Integer, FileChannel> e = it.next();
      if (e.getKey() != currentCycle) {
        e.getValue().close();
        it.remove();
      }
    }
  }

  /** Makes the directory listing durable: after a file is created or deleted. */
  void syncDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  @Override
  public void close() throws IOException {
    for (FileChannel c : unsynced.values()) {
      c.close();
    }
    unsynced.clear();
  }

  private static FileChannel open(File f) {
    try {
      return FileChannel.open(f.toPath(), StandardOpenOption.READ);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open roll file " + f + " to sync it", e);
    }
  }
}
