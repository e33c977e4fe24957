package io.paxosql.node.status;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The last events of one node (role changes, fences, elections, divergence, rebuilds, config
 * reloads), kept in memory for the status page; the oldest go once {@code capacity} is reached.
 * Written from the node's context and read by the admin port, so every method is synchronized.
 */
public final class EventJournal {
  public static final int DEFAULT_CAPACITY = 200;

  private final int node;
  private final int capacity;
  private final LongSupplier clockMs;
  private final ArrayDeque<NodeEvent> events = new ArrayDeque<>();
  private long lastSeq;

  public EventJournal(int node, int capacity, LongSupplier clockMs) {
    if (capacity < 1) {
      throw new IllegalArgumentException("an event journal needs room for at least one event, not " + capacity);
    }
    this.node = node;
    this.capacity = capacity;
    this.clockMs = clockMs;
  }

  public EventJournal(int node) {
    this(node, DEFAULT_CAPACITY, System::currentTimeMillis);
  }

  /** Records that {@code message} happened now; returns the event. */
  public synchronized NodeEvent add(EventKind kind, String message) {
    NodeEvent e = new NodeEvent(++lastSeq, clockMs.getAsLong(), node, kind, message);
    events.addLast(e);
    while (events.size() > capacity) {
      events.removeFirst();
    }
    return e;
  }

  /** The events still held whose seq is above {@code afterSeq}, oldest first, at most {@code max} of the newest. */
  public synchronized List<NodeEvent> after(long afterSeq, int max) {
    List<NodeEvent> out = new ArrayList<>();
    for (NodeEvent e : events) {
      if (e.seq() > afterSeq) {
        out.add(e);
      }
    }
    return out.size() <= max ? out : List.copyOf(out.subList(out.size() - max, out.size()));
  }

  /** The newest {@code max} events, oldest first. */
  public List<NodeEvent> recent(int max) {
    return after(0, max);
  }
}
