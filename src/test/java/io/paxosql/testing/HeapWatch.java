package io.paxosql.testing;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The largest heap this JVM kept live while it watched, measured by full collections that a daemon thread asks
 * for every {@code period} ({@link System#gc()}, a stop-the-world full GC under G1): the JDK's GC MXBeans report
 * each pool's use after every collection, and after a full one that is exactly what is reachable.
 *
 * <p>What a young collection leaves is no such measure: it keeps every dead object already promoted, and G1
 * collects the old generation only once it fills to its threshold (45% of the heap by default), so "in use
 * after any GC" climbs to about that threshold under any steady allocation (measured: 871 MiB "live" in a
 * 2 GiB JVM whose real live heap stayed far below). That figure is still reported, as {@link #peakAfterAnyGc}.
 */
public final class HeapWatch implements AutoCloseable {
  private final AtomicLong peakAfterFullGc = new AtomicLong();
  private final AtomicLong peakAfterAnyGc = new AtomicLong();
  private final AtomicLong collections = new AtomicLong();
  private final AtomicLong fullCollections = new AtomicLong();
  private final AtomicLong longestPause = new AtomicLong();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::onGc;
  /** The after-GC figures name non-heap pools too (metaspace, code cache); only these count. */
  private final Set<String> heapPools = new HashSet<>();
  private final Thread sampler;
  private volatile boolean closed;

  /** Starts watching; a full collection is asked for every {@code period} (null: never) until {@link #close}. */
  public HeapWatch(Duration period) {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPools.add(pool.getName());
      }
    }
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter e) {
        e.addNotificationListener(listener, null, null);
        emitters.add(e);
      }
    }
    sampler = period == null ? null : new Thread(() -> sample(period), "heap-watch");
    if (sampler != null) {
      sampler.setDaemon(true);
      sampler.start();
    }
  }

  /** Heap in use right after a full collection asked for now. */
  public static long liveNow() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The most heap any full collection since the start left in use (0 if none ran): the live peak seen. */
  public long peakLive() {
    return peakAfterFullGc.get();
  }

  /** The most heap any collection left in use, young ones included: an upper bound, see the class comment. */
  public long peakAfterAnyGc() {
    return peakAfterAnyGc.get();
  }

  /** The longest collection seen, in ms (for a concurrent collector: its pause-bearing part). */
  public long longestPauseMillis() {
    return longestPause.get();
  }

  public long collections() {
    return collections.get();
  }

  public long fullCollections() {
    return fullCollections.get();
  }

  private void sample(Duration period) {
    while (!closed) {
      try {
        Thread.sleep(period.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      if (!closed) {
        System.gc();
      }
    }
  }

  private void onGc(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long used = 0;
    for (var pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        used += pool.getValue().getUsed();
      }
    }
    collections.incrementAndGet();
    longestPause.accumulateAndGet(info.getGcInfo().getDuration(), Math::max);
    peakAfterAnyGc.accumulateAndGet(used, Math::max);
    if ("end of major GC".equals(info.getGcAction())) {
      fullCollections.incrementAndGet();
      peakAfterFullGc.accumulateAndGet(used, Math::max);
    }
  }

  @Override
  public void close() throws Exception {
    closed = true;
    if (sampler != null) {
      sampler.interrupt();
      sampler.join(10_000);
    }
    for (NotificationEmitter e : emitters) {
      e.removeNotificationListener(listener);
    }
  }
}
