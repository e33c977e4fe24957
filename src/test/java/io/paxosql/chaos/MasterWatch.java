package io.paxosql.chaos;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Polls every node's /local (one thread per node, so a paused or cut-off node delays only its own
 * poll) and records when each node starts and stops reporting itself master under a held lease.
 */
final class MasterWatch {
  /** Node {@code node} became ({@code master}) or stopped being lease-holding master at {@code ms}. */
  record Change(long ms, int node, boolean master) {}

  private final ChaosNodes nodes;
  private final long originNs;
  private final List<Change> changes = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stop;

  MasterWatch(ChaosNodes nodes, long originNs) {
    this.nodes = nodes;
    this.originNs = originNs;
  }

  void start() {
    for (int id = 1; id <= nodes.size; id++) {
      int n = id;
      Thread t = new Thread(() -> watch(n), "chaos-watch-n" + n);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  private void watch(int n) {
    boolean was = false;
    while (!stop) {
      Optional<JsonObject> l = nodes.local(n);
      boolean is = l.isPresent() && "MASTER".equals(l.get().getString("role")) && l.get().getBoolean("leaseHeld", false);
      if (is != was) {
        synchronized (changes) {
          changes.add(new Change(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - originNs), n, is));
        }
        was = is;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  void close() {
    stop = true;
  }

  List<Change> changes() {
    synchronized (changes) {
      return List.copyOf(changes);
    }
  }

  /**
   * Milliseconds from {@code startMs} until a node other than {@code target} was seen master, or
   * {@code target} itself again after {@code endMs} (the fault healed); -1 if neither was seen.
   */
  static long failover(List<Change> changes, int target, long startMs, long endMs) {
    Set<Integer> masters = new HashSet<>();
    boolean endChecked = false;
    for (Change c : changes) {
      if (!endChecked && c.ms() >= endMs) {
        endChecked = true;
        if (masters.contains(target)) {
          return endMs - startMs;
        }
      }
      if (c.master()) {
        masters.add(c.node());
      } else {
        masters.remove(c.node());
      }
      if (c.ms() >= startMs && masters.stream().anyMatch(m -> m != target || c.ms() >= endMs)) {
        return c.ms() - startMs;
      }
    }
    return !endChecked && masters.contains(target) ? endMs - startMs : -1;
  }
}
