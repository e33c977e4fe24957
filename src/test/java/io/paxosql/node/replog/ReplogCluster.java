package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paxosql.log.LogConfig;
import io.paxosql.log.LogRecord;
import io.paxosql.log.ReadResult;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PaxosRole;
import io.paxosql.paxos.Status;
import io.paxosql.paxos.Value;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Seeds;
import io.paxosql.transport.FaultInjector;
import io.paxosql.transport.MessageCodec;
import io.paxosql.transport.TransportConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

/**
 * N real ReplicatedLog nodes on loopback gRPC with Chronicle logs in temp dirs; one shared fault injector.
 * Public for the binlog end-to-end test, which puts a chain and a capture on top of the same three nodes.
 */
public final class ReplogCluster implements AutoCloseable {
  static final long CLUSTER = 0x5eed;
  static final long TICK_MS = 50;
  private static final int PROPOSE_ROUNDS = 20;

  final Vertx vertx = Vertx.vertx();
  final FaultInjector faults = new FaultInjector();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Path dir;
  final int size;
  final long firstInstance;
  final Map<Integer, Integer> ports = new TreeMap<>();
  final Map<Integer, ReplicatedLog> nodes = new TreeMap<>();
  /** Every proposal whose future completed: position → bytes. */
  final Map<LogPosition, byte[]> completed = new ConcurrentHashMap<>();
  UnaryOperator<ReplogOptions> tune = o -> o;
  private long tickMs = TICK_MS;
  /** When set, each node's event loop is blocked now and then, as a GC pause or an overloaded machine would. */
  boolean stallEventLoops;
  private final Random stalls = new Random(Seeds.seed("paxosql.replog.stallSeed", 1));

  public ReplogCluster(Path dir, int size, long firstInstance) {
    this.dir = dir;
    this.size = size;
    this.firstInstance = firstInstance;
    for (int i = 1; i <= size; i++) {
      ports.put(i, FreePorts.next());
    }
  }

  ReplogOptions options(int id) {
    TreeSet<Integer> members = new TreeSet<>(ports.keySet());
    PaxosConfig paxos = PaxosConfig.defaults(CLUSTER, id, members, firstInstance);
    LogConfig log = LogConfig.defaults(dir.resolve("node" + id)).withFirstInstance(firstInstance)
        .withRollCycle(TestRollCycles.TEST_SECONDLY, SystemTimeProvider.INSTANCE)
        .withRetention(1_000_000, Duration.ZERO).withRegistry(registry);
    Map<Integer, String> peers = new HashMap<>();
    ports.forEach((n, p) -> {
      if (n != id) {
        peers.put(n, "127.0.0.1:" + p);
      }
    });
    TransportConfig t = TransportConfig.plain(CLUSTER, id, "127.0.0.1", ports.get(id), peers);
    return tune.apply(ReplogOptions.of(paxos, log, t, tickMs));
  }

  /**
   * A slower Paxos clock (a longer lease in wall time) for a test whose value is not the election: the
   * end-to-end test's 50 MB transaction must not lose its master to a loaded machine mid-transaction.
   */
  public ReplogCluster withTickMs(long ms) {
    this.tickMs = ms;
    return this;
  }

  /** The Vert.x instance the nodes run on; callers may deploy their own parts on it. */
  public Vertx vertx() {
    return vertx;
  }

  public ReplogCluster startAll() {
    for (int id : ports.keySet()) {
      start(id);
    }
    return this;
  }

  ReplicatedLog start(int id) {
    ReplicatedLog r = await(ReplicatedLog.start(vertx, options(id), faults, registry).toCompletionStage()
        .toCompletableFuture());
    nodes.put(id, r);
    if (stallEventLoops) {
      stallNowAndThen(id, r);
    }
    return r;
  }

  /** Every 1-2 s, blocks the node's event loop: mostly for up to 50 ms, one time in ten for 0.3-0.8 s (a lease is 1.5 s). */
  private void stallNowAndThen(int id, ReplicatedLog r) {
    vertx.setTimer(1000 + stalls.nextInt(1000), t -> {
      if (nodes.get(id) != r) {
        return;
      }
      long ms = stalls.nextInt(10) == 0 ? 300 + stalls.nextInt(500) : stalls.nextInt(50);
      r.onContext(() -> {
        try {
          Thread.sleep(ms);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      stallNowAndThen(id, r);
    });
  }

  void halt(int id) {
    await(nodes.remove(id).halt().toCompletionStage().toCompletableFuture());
  }

  public ReplicatedLog node(int id) {
    return nodes.get(id);
  }

  /** The node that leads with a lease, once exactly one among {@code among} does. */
  ReplicatedLog leader(List<Integer> among) {
    ReplicatedLog[] found = new ReplicatedLog[1];
    Retry.waitFor("a leader with a lease among " + among, Duration.ofSeconds(30), () -> {
      found[0] = null;
      for (int id : among) {
        ReplicatedLog r = nodes.get(id);
        Status s = r == null ? null : r.status();
        if (s != null && s.role() == PaxosRole.LEADER && r.holdsLease()) {
          if (found[0] != null) {
            return false;
          }
          found[0] = r;
        }
      }
      return found[0] != null;
    });
    return found[0];
  }

  public ReplicatedLog leader() {
    return leader(new ArrayList<>(nodes.keySet()));
  }

  /**
   * Waits until every running node holds the same chosen values, including every position in
   * {@code completed}, and returns them. The positions matter: a leader completes a proposal whose value
   * it already holds durably as accepted before it writes the Chosen record, so every node can briefly
   * agree on a commit point that is one short of a proposal that already completed.
   */
  List<LogRecord.Chosen> converged(Collection<LogPosition> completed) {
    long atLeast = completed.stream().mapToLong(p -> p.instance() + 1).max().orElse(0);
    Retry.waitFor("every node at the same commit point, at least " + atLeast, Duration.ofSeconds(60), () -> {
      long c = -1;
      for (ReplicatedLog r : nodes.values()) {
        if (c >= 0 && r.chosenBelow() != c || r.chosenBelow() < atLeast) {
          return false;
        }
        c = r.chosenBelow();
      }
      return true;
    });
    List<LogRecord.Chosen> first = null;
    for (ReplicatedLog r : nodes.values()) {
      List<LogRecord.Chosen> all = readAll(r, r.firstRetained());
      if (first == null) {
        first = all;
        continue;
      }
      // Compare over the instances both hold (retention and a value chosen meanwhile may differ).
      Map<Long, LogRecord.Chosen> byInstance = new HashMap<>();
      first.forEach(c -> byInstance.put(c.instance(), c));
      int common = 0;
      for (LogRecord.Chosen c : all) {
        LogRecord.Chosen other = byInstance.get(c.instance());
        if (other != null) {
          common++;
          if (!other.equals(c)) {
            throw new AssertionError("node " + r.nodeId() + " differs at instance " + c.instance());
          }
        }
      }
      if (common == 0 && !all.isEmpty()) {
        throw new AssertionError("node " + r.nodeId() + " shares no instance with the others");
      }
    }
    return first;
  }

  /** Each node's retained range and files, for failure messages. */
  String describe() {
    StringBuilder sb = new StringBuilder();
    nodes.forEach((id, r) -> sb.append("node ").append(id).append(" holds [").append(r.firstRetained()).append(", ")
        .append(r.chosenBelow()).append(") in ").append(r.storage().files().size()).append(" files; "));
    return sb.toString();
  }

  static List<LogRecord.Chosen> readAll(ReplicatedLog r, long from) {
    List<LogRecord.Chosen> out = new ArrayList<>();
    long next = from;
    while (true) {
      ReadResult rr = await(r.storage().read(next, 10_000, 64 << 20));
      if (rr.snapshotNeeded()) {
        throw new AssertionError("node " + r.nodeId() + " no longer holds " + next);
      }
      if (rr.values().isEmpty()) {
        if (next < rr.chosenBelow()) {
          throw new AssertionError("node " + r.nodeId() + " read nothing at " + next + " though its log holds values"
              + " below " + rr.chosenBelow() + " (files " + r.storage().files() + ")");
        }
        return out;
      }
      out.addAll(rr.values());
      next = rr.values().get(rr.values().size() - 1).instance() + 1;
    }
  }

  /** Proposes {@code n} values at {@code at} without retrying; each completed one lands in {@link #completed}. */
  List<Future<LogPosition>> propose(ReplicatedLog at, String tag, int n) {
    List<Future<LogPosition>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = (tag + "-" + i).getBytes(StandardCharsets.UTF_8);
      out.add(at.propose(b).onSuccess(pos -> completed.put(pos, b)));
    }
    return out;
  }

  /**
   * Proposes {@code n} values concurrently at {@code at}; the ones that fail (leadership moved meanwhile)
   * are proposed again, as a batch, at whoever leads then: at most {@value #PROPOSE_ROUNDS} rounds.
   */
  void proposeAll(ReplicatedLog at, String tag, int n) {
    List<byte[]> todo = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      todo.add((tag + "-" + i).getBytes(StandardCharsets.UTF_8));
    }
    ReplicatedLog target = at;
    Throwable last = null;
    for (int round = 0; !todo.isEmpty(); round++) {
      if (round == PROPOSE_ROUNDS) {
        throw new AssertionError(todo.size() + " proposals of " + tag + " never completed in " + PROPOSE_ROUNDS
            + " rounds; last error: " + last + "; " + describe(), last);
      }
      List<Future<LogPosition>> fs = new ArrayList<>();
      for (byte[] b : todo) {
        fs.add(target.propose(b).onSuccess(p -> completed.put(p, b)));
      }
      List<byte[]> failed = new ArrayList<>();
      for (int i = 0; i < fs.size(); i++) {
        try {
          fs.get(i).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          last = e;
          failed.add(todo.get(i));
        }
      }
      todo = failed;
      if (!todo.isEmpty()) {
        target = leader(target == at && at.holdsLease() ? List.of(at.nodeId()) : new ArrayList<>(nodes.keySet()));
      }
    }
  }

  /**
   * Proposes {@code n} values one at a time at whoever leads, so each gets an instance of its own; a
   * proposal that fails (leadership moved) is retried at the new leader for up to a minute.
   */
  void proposeOneByOne(String tag, int n) {
    for (int i = 0; i < n; i++) {
      String name = tag + "-" + i;
      int[] attempt = {0};
      Retry.until("proposal " + name, Duration.ofSeconds(60), () -> {
        byte[] b = (name + "-" + attempt[0]++).getBytes(StandardCharsets.UTF_8);
        LogPosition p = leader().propose(b).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        completed.put(p, b);
        return p;
      });
    }
  }

  /** Nothing whose future completed is missing from {@code log}, and it sits exactly where its future said. */
  void checkCompletedAreChosen(List<LogRecord.Chosen> log) {
    Map<Long, Value> byInstance = new HashMap<>();
    for (LogRecord.Chosen c : log) {
      byInstance.put(c.instance(), MessageCodec.valueFromBytes(c.value()));
    }
    for (Map.Entry<LogPosition, byte[]> e : completed.entrySet()) {
      Value v = byInstance.get(e.getKey().instance());
      assertTrue(v != null, () -> "completed proposal " + new String(e.getValue(), StandardCharsets.UTF_8) + " at "
          + e.getKey() + " is not in the log (" + log.size() + " values, " + (log.isEmpty() ? "none" : "["
          + log.get(0).instance() + ", " + log.get(log.size() - 1).instance() + "]") + "); " + describe());
      assertArrayEquals(e.getValue(), ((Entry.Data) v.entries().get(e.getKey().index())).bytes());
    }
  }

  static <T> T await(CompletionStage<T> f) {
    try {
      return f.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("operation failed", e);
    }
  }

  @Override
  public void close() {
    for (ReplicatedLog r : new ArrayList<>(nodes.values())) {
      try {
        r.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // keep closing the others
      }
    }
    nodes.clear();
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }
}
