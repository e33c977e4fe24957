package io.paxosql.chaos;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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
  /** An earlier end than the deadline start() was given, once the caller knows it. */
  private volatile long stopNs = Long.MAX_VALUE;

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
          while (System.nanoTime() < Math.min(deadlineNs, stopNs)) {
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

  /** Makes the clients stop at {@code ns} (a System.nanoTime value) if that is before their deadline. */
  void stopAt(long ns) {
    stopNs = ns;
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

  /** What a transaction saw and did: {@code refusal} non-null means the body chose to roll back (a FAIL). */
  record Done<T>(T value, String refusal) {
    static <T> Done<T> ok(T value) {
      return new Done<>(value, null);
    }

    static <T> Done<T> refused(T value, String why) {
      return new Done<>(value, why);
    }
  }

  /** The statements of one transaction, run on an open transaction of {@code c}. */
  interface Body<T> {
    Done<T> run(Connection c) throws SQLException;
  }

  /**
   * The one client loop every workload runs an operation through: begin (a READ ONLY transaction on a
   * linearizable RO port waits for the read index there; RW ports run serializable), the body, commit,
   * and the outcome recorded in the history. An error before COMMIT was sent, or any error of a
   * transaction that writes nothing, is a FAIL; an error around a writing commit is UNKNOWN unless the
   * server refused definitely. {@code asked} is what is recorded when the transaction fails: for writes,
   * everything planned, since an unknown one may have committed and a failed one must never be seen.
   */
  Op<T> transaction(SqlClient client, int node, boolean ro, boolean writes, int process, T asked, Body<T> body) {
    long start = System.nanoTime();
    String where = "n" + node + (ro ? "/ro" : "/rw");
    boolean commitSent = false;
    try {
      Connection c = ro ? client.ro(node) : client.rw(node);
      if (ro) {
        try (Statement s = c.createStatement()) {
          s.execute("START TRANSACTION READ ONLY");
        }
      } else {
        c.setAutoCommit(false);
      }
      Done<T> done = body.run(c);
      if (done.refusal() != null) {
        try (Statement s = c.createStatement()) {
          s.execute("ROLLBACK");
        }
        return history.add(process, where, start, System.nanoTime(), Op.Outcome.FAIL, done.value(),
            "refused: " + done.refusal());
      }
      commitSent = true;
      try (Statement s = c.createStatement()) {
        s.execute("COMMIT");
      }
      return history.add(process, where, start, System.nanoTime(), Op.Outcome.OK, done.value(), null);
    } catch (SQLException e) {
      client.drop(node, ro ? ChaosNodes.RO : ChaosNodes.RW);
      Op.Outcome outcome = writes ? SqlClient.outcome(e, commitSent) : Op.Outcome.FAIL;
      return history.add(process, where, start, System.nanoTime(), outcome, asked, SqlClient.describe(e));
    }
  }
}
