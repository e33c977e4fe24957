package io.paxosql.node.chain;

import io.paxosql.binlog.event.Gtid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * What the chain keeps about each transaction of its retained window, in primitive columns (32 bytes a
 * transaction plus 8 for the GTID index, no object per transaction): its GTID, where its record (or the first
 * of its parts) is in the Paxos log, and how many parts it has. Sequences are consecutive, so a sequence is
 * found by subtraction, and a GTID by binary search within its domain (the chain accepts a domain's GTIDs
 * only in increasing order). The window is trimmed from the front as the chain checkpoint advances.
 * Not thread-safe: the chain guards it.
 */
final class LinkWindow implements Iterable<ChainLink> {
  private final LongPages instances = new LongPages();
  /** index in batch << 32 | parts. */
  private final LongPages indexAndParts = new LongPages();
  private final LongPages seqNos = new LongPages();
  /** domain << 32 | server. */
  private final LongPages domainAndServer = new LongPages();
  /** Per domain: the sequences of its transactions in the window, ascending. */
  private final Map<Long, LongPages> byDomain = new HashMap<>();
  /** The sequence of the first transaction held (or of the next one, when empty). */
  private long first;

  LinkWindow(long first) {
    this.first = first;
  }

  long first() {
    return first;
  }

  long size() {
    return instances.size();
  }

  boolean isEmpty() {
    return size() == 0;
  }

  /** Adds the next transaction; its sequence must follow the last one held. */
  void add(ChainLink link) {
    if (link.sequence() != first + size()) {
      throw new IllegalStateException("chain sequence " + link.sequence() + " does not follow " + (first + size() - 1));
    }
    Gtid g = link.gtid();
    instances.add(link.position().instance());
    indexAndParts.add(((long) link.position().index() << 32) | (link.parts() & 0xffffffffL));
    seqNos.add(g.seqNo());
    domainAndServer.add((g.domainId() << 32) | g.serverId());
    byDomain.computeIfAbsent(g.domainId(), d -> new LongPages()).add(link.sequence());
  }

  /** The transaction at {@code sequence}, or null outside the window. */
  ChainLink get(long sequence) {
    long i = sequence - first;
    if (i < 0 || i >= size()) {
      return null;
    }
    long ds = domainAndServer.get(i);
    long ip = indexAndParts.get(i);
    return new ChainLink(sequence, new Gtid(ds >>> 32, ds & 0xffffffffL, seqNos.get(i)),
        new LogPosition(instances.get(i), (int) (ip >>> 32)), (int) ip);
  }

  /** The transaction with GTID {@code g}, or null if the window does not hold it. O(log n). */
  ChainLink find(Gtid g) {
    LongPages seqs = byDomain.get(g.domainId());
    if (seqs == null) {
      return null;
    }
    long lo = 0;
    long hi = seqs.size() - 1;
    while (lo <= hi) {
      long mid = (lo + hi) >>> 1;
      long sequence = seqs.get(mid);
      int c = Long.compareUnsigned(seqNos.get(sequence - first), g.seqNo());
      if (c == 0) {
        ChainLink l = get(sequence);
        return l.gtid().equals(g) ? l : null;
      } else if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return null;
  }

  /** Forgets every transaction below {@code sequence}. */
  void dropBelow(long sequence) {
    long n = Math.min(sequence - first, size());
    if (n <= 0) {
      return;
    }
    long newFirst = first + n;
    instances.dropFront(n);
    indexAndParts.dropFront(n);
    seqNos.dropFront(n);
    domainAndServer.dropFront(n);
    for (Iterator<LongPages> it = byDomain.values().iterator(); it.hasNext(); ) {
      LongPages seqs = it.next();
      seqs.dropFront(countBelow(seqs, newFirst));
      if (seqs.size() == 0) {
        it.remove();
      }
    }
    first = newFirst;
  }

  /** After the window is emptied by a checkpoint install: the next transaction is {@code sequence}. */
  void resetTo(long sequence) {
    dropBelow(first + size());
    first = sequence;
  }

  private static long countBelow(LongPages ascending, long sequence) {
    long lo = 0;
    long hi = ascending.size();
    while (lo < hi) {
      long mid = (lo + hi) >>> 1;
      if (ascending.get(mid) < sequence) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The transactions from {@code sequence} on, at most {@code max} of them. */
  List<ChainLink> slice(long sequence, int max) {
    List<ChainLink> out = new ArrayList<>();
    for (long s = Math.max(sequence, first); s < first + size() && out.size() < max; s++) {
      out.add(get(s));
    }
    return out;
  }

  @Override
  public Iterator<ChainLink> iterator() {
    return new Iterator<>() {
      private long next = first;
      private final long end = first + size();

      @Override
      public boolean hasNext() {
        return next < end;
      }

      @Override
      public ChainLink next() {
        if (next >= end) {
          throw new NoSuchElementException();
        }
        return get(next++);
      }
    };
  }
}
