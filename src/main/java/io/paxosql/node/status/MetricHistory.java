package io.paxosql.node.status;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} samples of one node (600 one-second samples: the page's ten minutes), in
 * a fixed array used as a ring so the node's memory does not grow with its uptime. Written by the
 * sampler on the node's context, read by the admin port: every method is synchronized.
 */
public final class MetricHistory {
  public static final int TEN_MINUTES = 600;

  private final MetricSample[] ring;
  private int next;
  private int size;

  public MetricHistory(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a metric history needs room for at least one sample, not " + capacity);
    }
    ring = new MetricSample[capacity];
  }

  /** Appends a sample; one not newer than the last is refused, so readers can page by time. */
  public synchronized void add(MetricSample s) {
    if (size > 0 && s.timeMs() <= newest().timeMs()) {
      throw new IllegalArgumentException("sample at " + s.timeMs() + " ms is not newer than the last one at "
          + newest().timeMs() + " ms");
    }
    ring[next] = s;
    next = (next + 1) % ring.length;
    size = Math.min(size + 1, ring.length);
  }

  /** The samples held that are newer than {@code afterMs}, oldest first. */
  public synchronized List<MetricSample> after(long afterMs) {
    List<MetricSample> out = new ArrayList<>();
    int first = (next - size + ring.length) % ring.length;
    for (int i = 0; i < size; i++) {
      MetricSample s = ring[(first + i) % ring.length];
      if (s.timeMs() > afterMs) {
        out.add(s);
      }
    }
    return out;
  }

  public synchronized int size() {
    return size;
  }

  private MetricSample newest() {
    return ring[(next - 1 + ring.length) % ring.length];
  }
}
