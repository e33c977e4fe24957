package io.paxosql.node.replog;

import java.util.ArrayDeque;

/**
 * Which chosen values the core holds in memory, oldest first. The core keeps them to answer lagging
 * peers without a disk read; this window bounds them by count and bytes, and the driver compacts the
 * core to what the window still holds. Pure bookkeeping.
 */
final class MemoryWindow {
  /** One chosen value held in memory, by instance and size in bytes. */
  private record Held(long instance, int size) {}

  private final ArrayDeque<Held> held = new ArrayDeque<>();
  private final int maxValues;
  private final long maxBytes;
  private long bytes;

  MemoryWindow(int maxValues, long maxBytes) {
    this.maxValues = maxValues;
    this.maxBytes = maxBytes;
  }

  void add(long instance, int size) {
    held.add(new Held(instance, size));
    bytes += size;
  }

  /**
   * Drops the oldest values beyond the bounds. Returns the instance the core may now keep from, or -1
   * when nothing was dropped.
   */
  long trim() {
    long keepFrom = -1;
    while (!held.isEmpty() && (held.size() > maxValues || bytes > maxBytes)) {
      Held oldest = held.poll();
      bytes -= oldest.size();
      keepFrom = oldest.instance() + 1;
    }
    return keepFrom;
  }

  /** Forgets the values below {@code first}: the log no longer holds them either. */
  void dropBelow(long first) {
    while (!held.isEmpty() && held.peek().instance() < first) {
      bytes -= held.poll().size();
    }
  }
}
