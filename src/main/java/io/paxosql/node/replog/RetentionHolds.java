package io.paxosql.node.replog;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Places in the Paxos log that other parts of the node still need, so retention keeps them: a donor
 * holds the log at the point of the backup it streams until the joiner has caught up from there.
 * Retention never deletes a value at or above the lowest hold. Thread-safe: holds are taken and
 * released from any thread; retention reads {@link #lowest()} on the node's context.
 */
public final class RetentionHolds {
  /** One hold: the log is kept from {@code instance} on until it is released. */
  public record Held(long id, long instance, String reason) {}

  private final AtomicLong ids = new AtomicLong();
  private final TreeMap<Long, Held> byId = new TreeMap<>();

  /** A taken hold; closing it releases it (again is harmless). */
  public final class Hold implements AutoCloseable {
    private final long id;

    private Hold(long id) {
      this.id = id;
    }

    /** Moves the hold to {@code instance} (a joiner that caught up further needs less). */
    public void moveTo(long instance) {
      synchronized (RetentionHolds.this) {
        Held h = byId.get(id);
        if (h != null) {
          byId.put(id, new Held(id, instance, h.reason()));
        }
      }
    }

    @Override
    public void close() {
      synchronized (RetentionHolds.this) {
        byId.remove(id);
      }
    }
  }

  /**
   * Keeps the log from {@code instance} on until the returned hold is closed.
   *
   * @param reason says who holds and why, for the retention log lines and admin status
   */
  public Hold hold(long instance, String reason) {
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("a retention hold needs a reason naming who holds the log and why");
    }
    long id = ids.incrementAndGet();
    synchronized (this) {
      byId.put(id, new Held(id, instance, reason));
    }
    return new Hold(id);
  }

  /** The lowest instance held, if any hold is taken. */
  public synchronized OptionalLong lowest() {
    return byId.values().stream().mapToLong(Held::instance).min();
  }

  /** The holds taken now, oldest first. */
  public synchronized List<Held> list() {
    return new ArrayList<>(byId.values());
  }
}
