package io.paxosql.chaos;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A workload: some client threads, each with its own connections and seeded random source, that run
 * operations against random nodes until a deadline and record each in the history.
 */
abstract class Workload<T> {
  final History<T> history;
  final int nodes;
  private final String name;
  private final int threads;
  private final long seed;
  private final List<Thread> running = new ArrayList<>();

  Workload(String name, int threads, long seed, int nodes, long originNs) {
    this.name = name;
    this.threads = threads;
    this.seed = seed;
    this.nodes = nodes;
    this.history = new History<>(originNs);
  }

  String name() {
    return name;
  }

  /** Creates the tables (root, on the master's own MariaDB: the write is replicated like any other). */
  abstract void setUp(Connection root) throws SQLException;

  /** Runs one operation as {@code process} and records it; returns whether it was acknowledged. */
  abstract boolean step(SqlClient client, Random random, int process) throws InterruptedException;

  void start(long deadlineNs) {
    for (int t = 0; t < threads; t++) {
      int process = t;
      Random random = new Random(seed * 31 + name.hashCode() + t);
      Thread th = new Thread(() -> {
        try (SqlClient client = new SqlClient()) {
          while (System.nanoTime() < deadlineNs) {
            boolean ok = step(client, random, process);
            // After an error, back off a little: a node that refuses connections would otherwise
            // fill the history with thousands of identical failures.
            TimeUnit.MILLISECONDS.sleep(ok ? 5 + random.nextInt(30) : 100 + random.nextInt(200));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "chaos-" + name + "-" + t);
      th.setDaemon(true);
      th.start();
      running.add(th);
    }
  }

  /** Waits for every client to finish its last operation (each is bounded by the socket timeout). */
  boolean join(long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    for (Thread th : running) {
      th.join(Math.max(1, deadline - System.currentTimeMillis()));
    }
    return running.stream().noneMatch(Thread::isAlive);
  }

  /** The server answered (ok, or a refusal the workload asked for): no need to back off. */
  static boolean answered(Op<?> op) {
    return op.error() == null || op.error().startsWith("refused:");
  }

  int node(Random random) {
    return 1 + random.nextInt(nodes);
  }
}
