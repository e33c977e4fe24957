package io.paxosql.log;

import java.util.ArrayList;
import java.util.List;

/**
 * Chosen instance id → Chronicle index, for the retained range only. Chronicle's own index is
 * (cycle << 32 | sequence) and date-based, so it cannot be our instance id. Written by the writer thread,
 * read by the reader thread; calls are short, so a monitor is enough.
 *
 * <p>Slots live in fixed pages, so the index has no size cap and retention frees whole pages without
 * copying what stays; instance ids are longs throughout.
 */
final class InstanceIndex {
  private static final int PAGE_BITS = 12;
  private static final int PAGE = 1 << PAGE_BITS;

  /** The instance of slot 0 of {@code pages.get(0)}; always a multiple of PAGE away from every page start. */
  private long pageBase;
  private final List<long[]> pages = new ArrayList<>();
  private long first;
  private long end;

  InstanceIndex(long first) {
    this.first = first;
    this.end = first;
    this.pageBase = first;
  }

  synchronized void add(long instance, long chronicleIndex) {
    if (instance != end) {
      throw new IllegalStateException("chosen instance " + instance + " out of order; expected " + end);
    }
    long off = instance - pageBase;
    int page = (int) (off >>> PAGE_BITS);
    if (page == pages.size()) {
      pages.add(new long[PAGE]);
    }
    pages.get(page)[(int) (off & (PAGE - 1))] = chronicleIndex;
    end++;
  }

  /** The Chronicle index of {@code instance}, or -1 if it is not retained or not yet chosen. */
  synchronized long get(long instance) {
    if (instance < first || instance >= end) {
      return -1;
    }
    long off = instance - pageBase;
    return pages.get((int) (off >>> PAGE_BITS))[(int) (off & (PAGE - 1))];
  }

  /** Forgets every instance below {@code instance}. */
  synchronized void dropBelow(long instance) {
    if (instance <= first) {
      return;
    }
    first = Math.min(instance, end);
    long wholePages = (first - pageBase) >>> PAGE_BITS;
    if (wholePages > 0) {
      pages.subList(0, (int) Math.min(wholePages, pages.size())).clear();
      pageBase += wholePages << PAGE_BITS;
    }
  }

  synchronized long first() {
    return first;
  }

  /** One past the last chosen instance held. */
  synchronized long end() {
    return end;
  }

  /** Pages allocated now (for tests of the memory bound). */
  synchronized int pages() {
    return pages.size();
  }
}
