package io.paxosql.testing;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
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
 * The largest heap this JVM kept live while it watched: after every garbage collection the JDK's GC MXBeans
 * report each pool's use, and their sum is what survived that collection (an upper bound on live data, since
 * a young collection leaves old garbage). Peaks between collections are garbage and not counted.
 */
public final class HeapWatch implements AutoCloseable {
  private final AtomicLong peakAfterGc = new AtomicLong();
  private final AtomicLong collections = new AtomicLong();
  private final AtomicLong longestPause = new AtomicLong();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::onGc;
  /** The after-GC figures name non-heap pools too (metaspace, code cache); only these count. */
  private final Set<String> heapPools = new HashSet<>();

  /** Starts watching from a collected heap: the baseline is what is live now. */
  public HeapWatch() {
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
  }

  /** Heap in use right after a full collection asked for now. */
  public static long liveNow() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The most heap any collection since the start left in use (0 if none ran). */
  public long peakAfterGc() {
    return peakAfterGc.get();
  }

  /** The longest collection seen, in ms (for a concurrent collector: its pause-bearing part). */
  public long longestPauseMillis() {
    return longestPause.get();
  }

  public long collections() {
    return collections.get();
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
    peakAfterGc.accumulateAndGet(used, Math::max);
  }

  @Override
  public void close() throws Exception {
    for (NotificationEmitter e : emitters) {
      e.removeNotificationListener(listener);
    }
  }
}
