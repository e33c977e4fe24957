package io.paxosql.transport;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drops traffic between chosen nodes, for tests: one direction ({@link #block}), both
 * ({@link #partition}), or everything to and from one node ({@link #isolate}). Every transport of a test
 * cluster shares one injector; each checks it before sending and after receiving.
 */
public final class FaultInjector {
  private final Set<Long> blocked = ConcurrentHashMap.newKeySet();

  /** Drops everything {@code from} sends to {@code to}. */
  public void block(int from, int to) {
    blocked.add(pair(from, to));
  }

  /** Cuts every link between a node of {@code side} and a node of {@code other}, both ways. */
  public void partition(Collection<Integer> side, Collection<Integer> other) {
    for (int a : side) {
      for (int b : other) {
        block(a, b);
        block(b, a);
      }
    }
  }

  /** Cuts {@code node} off from every node of {@code all}. */
  public void isolate(int node, Collection<Integer> all) {
    for (int other : all) {
      if (other != node) {
        block(node, other);
        block(other, node);
      }
    }
  }

  /** Restores every link. */
  public void heal() {
    blocked.clear();
  }

  public boolean blocked(int from, int to) {
    return !blocked.isEmpty() && blocked.contains(pair(from, to));
  }

  private static long pair(int from, int to) {
    return ((long) from << 32) | (to & 0xffffffffL);
  }
}
