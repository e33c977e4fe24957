package io.paxosql.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * Writers that insert one row per autocommit transaction through a node's RW port, as an application
 * would: on an error they reconnect (to the node {@code target} names then) and go on. Every id whose
 * INSERT was answered OK is acknowledged and must survive anything short of losing a majority.
 */
final class RwWriter implements AutoCloseable {
  /** One answered INSERT: when (System.nanoTime) and whether it succeeded. */
  record Outcome(long atNanos, boolean ok, String error) {}

  private final NodeProcesses cluster;
  private final IntSupplier target;
  private final AtomicLong nextId = new AtomicLong(1);
  private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  RwWriter(NodeProcesses cluster, int threadCount, IntSupplier target) {
    this.cluster = cluster;
    this.target = target;
    for (int i = 0; i < threadCount; i++) {
      Thread t = new Thread(this::write, "rw-writer-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void write() {
    while (running) {
      try (Connection c = cluster.rw(target.getAsInt());
           PreparedStatement insert = c.prepareStatement("INSERT INTO stopdb.w (id, at) VALUES (?, NOW(6))")) {
        while (running) {
          long id = nextId.getAndIncrement();
          insert.setLong(1, id);
          insert.executeUpdate();
          acknowledged.add(id);
          outcomes.add(new Outcome(System.nanoTime(), true, ""));
        }
      } catch (SQLException e) {
        outcomes.add(new Outcome(System.nanoTime(), false, String.valueOf(e.getMessage())));
        pause(100);
      }
    }
  }

  private static void pause(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  Set<Long> acknowledged() {
    return Set.copyOf(acknowledged);
  }

  List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  /** How many INSERTs were acknowledged after {@code sinceNanos}. */
  long acknowledgedSince(long sinceNanos) {
    return outcomes.stream().filter(o -> o.ok() && o.atNanos() - sinceNanos > 0).count();
  }

  /** Waits until {@code more} further INSERTs are acknowledged, or fails after {@code timeoutMs}. */
  void awaitProgress(long more, long timeoutMs, String while_) throws InterruptedException {
    long from = System.nanoTime();
    long deadline = from + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (acknowledgedSince(from) < more) {
      if (System.nanoTime() > deadline) {
        List<Outcome> all = outcomes();
        String last = all.isEmpty() ? "none" : all.get(all.size() - 1).toString();
        throw new AssertionError("writers made no progress within " + timeoutMs + " ms " + while_
            + " (last outcome: " + last + ")");
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(30_000);
    }
  }
}
