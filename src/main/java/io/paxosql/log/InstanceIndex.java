package io.paxosql.log;

import java.util.Arrays;

/**
 * Chosen instance id → Chronicle index, for the retained range only. Chronicle's own index is
 * (cycle << 32 | sequence) and date-based, so it cannot be our instance id. Written by the writer thread,
 * read by the reader thread; calls are short, so a monitor is enough.
 */
final class InstanceIndex {
  private long base;
  private long[] slots = new long[1024];
  private int size;

  InstanceIndex(long first) {
    this.base = first;
  }

  synchronized void add(long instance, long chronicleIndex) {
    if (instance != base + size) {
      throw new IllegalStateException("chosen instance " + instance + " out of order; expected " + (base + size));
    }
    if (size == slots.length) {
      if (slots.length == Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("more than 2^31 retained chosen values; lower the retention margin");
      }
      slots = Arrays.copyOf(slots, (int) Math.min(Integer.MAX_VALUE - 8L, slots.length * 2L));
    }
    slots[size++] = chronicleIndex;
  }

  /** The Chronicle index of {@code instance}, or -1 if it is not retained or not yet chosen. */
  synchronized long get(long instance) {
    long off = instance - base;
    return off >= 0 && off < size ? slots[(int) off] : -1;
  }

  /** Forgets every instance below {@code instance}. */
  synchronized void dropBelow(long instance) {
    long drop = Math.min(instance - base, size);
    if (drop <= 0) {
      return;
    }
    int d = (int) drop;
    System.arraycopy(slots, d, slots, 0, size - d);
    size -= d;
    base += d;
  }

  synchronized long first() {
    return base;
  }

  /** One past the last chosen instance held. */
  synchronized long end() {
    return base + size;
  }
}
