package io.paxosql.node.chain;

import java.util.ArrayList;
import java.util.List;

/**
 * A growable column of longs in fixed pages: appends at the end, drops from the front without copying what
 * stays, and costs 8 bytes a value (no boxing, no object per value). Not thread-safe.
 */
final class LongPages {
  private static final int BITS = 12;
  private static final int PAGE = 1 << BITS;

  private final List<long[]> pages = new ArrayList<>();
  /** Slot of value 0 in the first page. */
  private int head;
  private long size;

  long size() {
    return size;
  }

  void add(long v) {
    long slot = head + size;
    int page = (int) (slot >>> BITS);
    if (page == pages.size()) {
      pages.add(new long[PAGE]);
    }
    pages.get(page)[(int) (slot & (PAGE - 1))] = v;
    size++;
  }

  long get(long i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("value " + i + " of " + size);
    }
    long slot = head + i;
    return pages.get((int) (slot >>> BITS))[(int) (slot & (PAGE - 1))];
  }

  /** Drops the first {@code n} values (all of them if fewer). */
  void dropFront(long n) {
    long drop = Math.min(n, size);
    if (drop <= 0) {
      return;
    }
    long slot = head + drop;
    int wholePages = (int) (slot >>> BITS);
    pages.subList(0, wholePages).clear();
    head = (int) (slot & (PAGE - 1));
    size -= drop;
    if (size == 0) {
      pages.clear();
      head = 0;
    }
  }
}
