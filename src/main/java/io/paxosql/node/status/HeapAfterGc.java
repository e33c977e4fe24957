package io.paxosql.node.status;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Heap in use right after the JVM's last garbage collection: the live data plus what the collector
 * left, the figure that shows a leak or an undersized heap (heap in use at a random moment mostly
 * shows garbage). One per JVM, listening to the collectors' notifications; -1 until the first GC.
 */
public final class HeapAfterGc {
  private static final HeapAfterGc INSTANCE = new HeapAfterGc();

  private final AtomicLong bytes = new AtomicLong(-1);
  private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());

  private HeapAfterGc() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener((n, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            afterGc(GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()));
          }
        }, null, null);
      }
    }
  }

  public static HeapAfterGc get() {
    return INSTANCE;
  }

  /** Bytes of heap in use after the last collection, or -1 if none ran yet. */
  public long bytes() {
    return bytes.get();
  }

  private void afterGc(GarbageCollectionNotificationInfo info) {
    long used = 0;
    for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        used += pool.getValue().getUsed();
      }
    }
    bytes.set(used);
  }
}
