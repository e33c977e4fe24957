package io.paxosql.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paxosql.log.LogConfig;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.replog.ReplogOptions;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PaxosRole;
import io.paxosql.transport.FaultInjector;
import io.paxosql.transport.TransportConfig;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Three ReplicatedLog nodes in this JVM on loopback gRPC, each with its own Chronicle log and real
 * fdatasync. Closed-loop proposers at the leader: each proposes, waits for "chosen and durable", proposes
 * again. Then a node that missed a given amount of data is restarted and timed while it catches up.
 *
 * <p>Run: {@code java <Chronicle flags> -cp bench/target/benchmarks.jar io.paxosql.bench.ReplogBench
 * [seconds per point] [catch-up MB]}. With {@code -Dbench.wait=delivered} a proposer waits instead until the
 * leader's follower of the log got the value: what the chain, and so the capture's ACK, waits for.
 */
public final class ReplogBench {
  private static final long CLUSTER = 42;

  private final Vertx vertx = Vertx.vertx();
  private final Path dir;
  private final Map<Integer, Integer> ports = new TreeMap<>();
  private final Map<Integer, ReplicatedLog> nodes = new TreeMap<>();

  private ReplogBench(Path dir) throws IOException {
    this.dir = dir;
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        ports.put(i, s.getLocalPort());
      }
    }
  }

  private static int[] ints(String csv) {
    return java.util.Arrays.stream(csv.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
  }

  /**
   * Args: [seconds per point] [catch-up MB, 0 to skip]; -Dbench.sizes=200,4096 and -Dbench.proposers=1,16,128
   * choose the points.
   */
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int catchUpMb = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    Path dir = Files.createTempDirectory("replog-bench");
    ReplogBench b = new ReplogBench(dir);
    try {
      for (int id = 1; id <= 3; id++) {
        b.start(id);
      }
      System.out.printf("%-6s %-10s %12s %10s %10s %10s%n", "value", "proposers", "values/s", "p50 ms", "p99 ms",
          "max ms");
      for (int size : ints(System.getProperty("bench.sizes", "200,4096"))) {
        for (int proposers : ints(System.getProperty("bench.proposers", "1,16,128"))) {
          b.load(size, proposers, Math.max(2, seconds / 3), null);
          Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
          long n = b.load(size, proposers, seconds, h);
          System.out.printf("%-6d %-10d %12.0f %10.3f %10.3f %10.3f%n", size, proposers, n / (double) seconds,
              h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
        }
      }
      if (catchUpMb > 0) {
        b.catchUp(catchUpMb);
      }
    } finally {
      b.stop();
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void start(int id) throws Exception {
    TreeSet<Integer> members = new TreeSet<>(ports.keySet());
    PaxosConfig paxos = PaxosConfig.defaults(CLUSTER, id, members, 0);
    // -Dbench.advise=normal leaves the roll files' mappings to the kernel's read-ahead (what MADV_RANDOM saves)
    LogConfig log = LogConfig.defaults(dir.resolve("node" + id))
        .withAdviseRandom(!"normal".equals(System.getProperty("bench.advise")));
    Map<Integer, String> peers = new HashMap<>();
    ports.forEach((n, p) -> {
      if (n != id) {
        peers.put(n, "127.0.0.1:" + p);
      }
    });
    TransportConfig t = TransportConfig.plain(CLUSTER, id, "127.0.0.1", ports.get(id), peers);
    ReplogOptions o = ReplogOptions.of(paxos, log, t, 50);
    nodes.put(id, ReplicatedLog.start(vertx, o, new FaultInjector(), new SimpleMeterRegistry())
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
  }

  private ReplicatedLog leader() throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      for (ReplicatedLog r : nodes.values()) {
        if (r.status() != null && r.status().role() == PaxosRole.LEADER && r.holdsLease()) {
          return r;
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no leader after 30 s");
  }

  /**
   * The leader's follower of the log, as the chain follows it: runs each waiter once the value at its
   * position was delivered. Used on the leader's context only (deliveries and proposal completions run there).
   */
  private static final class Deliveries {
    private LogPosition last;
    private final TreeMap<LogPosition, List<Runnable>> waiting = new TreeMap<>();

    void delivered(LogPosition at) {
      last = at;
      while (!waiting.isEmpty() && waiting.firstKey().compareTo(at) <= 0) {
        waiting.pollFirstEntry().getValue().forEach(Runnable::run);
      }
    }

    void whenDelivered(LogPosition at, Runnable r) {
      if (last != null && last.compareTo(at) >= 0) {
        r.run();
      } else {
        waiting.computeIfAbsent(at, k -> new ArrayList<>(1)).add(r);
      }
    }
  }

  /** Runs {@code proposers} closed loops for {@code seconds}; returns completed proposals. */
  private long load(int size, int proposers, int seconds, Histogram h) throws Exception {
    ReplicatedLog leader = leader();
    Deliveries deliveries = null;
    AutoCloseable following = null;
    if ("delivered".equals(System.getProperty("bench.wait"))) {
      Deliveries d = new Deliveries();
      following = leader.follow(new LogPosition(leader.chosenBelow(), 0), e -> d.delivered(e.position()));
      deliveries = d;
    }
    byte[] value = new byte[size];
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong inFlight = new AtomicLong(proposers);
    for (int p = 0; p < proposers; p++) {
      loop(leader, value, running, done, failed, inFlight, h, deliveries);
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    running.set(false);
    long n = done.get();
    while (inFlight.get() > 0) {
      Thread.sleep(10);
    }
    if (following != null) {
      following.close();
    }
    if (failed.get() > 0) {
      System.out.println("  (" + failed.get() + " proposals failed: leadership changed during the run)");
    }
    return n;
  }

  private void loop(ReplicatedLog at, byte[] value, AtomicBoolean running, AtomicLong done, AtomicLong failed,
                    AtomicLong inFlight, Histogram h, Deliveries deliveries) {
    if (!running.get()) {
      inFlight.decrementAndGet();
      return;
    }
    long t0 = System.nanoTime();
    at.propose(value).onComplete((pos, err) -> {
      if (err == null && deliveries != null) {
        deliveries.whenDelivered(pos, () -> finished(at, value, running, done, failed, inFlight, h, deliveries, t0,
            null));
      } else {
        finished(at, value, running, done, failed, inFlight, h, deliveries, t0, err);
      }
    });
  }

  private void finished(ReplicatedLog at, byte[] value, AtomicBoolean running, AtomicLong done, AtomicLong failed,
                        AtomicLong inFlight, Histogram h, Deliveries deliveries, long t0, Throwable err) {
    if (err == null) {
      if (running.get()) {
        done.incrementAndGet();
        if (h != null) {
          synchronized (h) {
            h.recordValue(Math.min(System.nanoTime() - t0, h.getHighestTrackableValue()));
          }
        }
      }
    } else if (failed.incrementAndGet() == 1) {
      System.out.println("  first failure: " + err.getMessage());
    }
    loop(at, value, running, done, failed, inFlight, h, deliveries);
  }

  /** Stops a follower, writes {@code mb} MB of 4 KB values, restarts it and times its catch-up. */
  private void catchUp(int mb) throws Exception {
    ReplicatedLog leader = leader();
    int lagging = leader.nodeId() == 3 ? 2 : 3;
    nodes.remove(lagging).halt().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    long before = leader.chosenBelow();
    int values = mb * 256;
    long t0 = System.nanoTime();
    AtomicLong inFlight = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    byte[] v = new byte[4096];
    for (int i = 0; i < values; i++) {
      while (inFlight.get() >= 256) {
        Thread.onSpinWait();
      }
      inFlight.incrementAndGet();
      leader.propose(v).onComplete((p, e) -> {
        if (e != null && failed.incrementAndGet() == 1) {
          System.out.println("  first failure: " + e.getMessage());
        }
        inFlight.decrementAndGet();
      });
    }
    while (inFlight.get() > 0) {
      Thread.sleep(10);
    }
    double writeSec = (System.nanoTime() - t0) / 1e9;
    long target = leader.chosenBelow();
    System.out.printf("wrote %d MB (%d values of 4 KB, %d failed) in %.1f s with one follower down%n", mb, values,
        failed.get(), writeSec);
    long t1 = System.nanoTime();
    start(lagging);
    ReplicatedLog back = nodes.get(lagging);
    long startedAt = back.chosenBelow();
    long firstProgress = 0;
    while (back.chosenBelow() < target) {
      if (firstProgress == 0 && back.chosenBelow() > startedAt) {
        firstProgress = System.nanoTime();
      }
      Thread.sleep(1);
    }
    long end = System.nanoTime();
    double sec = (end - t1) / 1e9;
    double streaming = (end - (firstProgress == 0 ? t1 : firstProgress)) / 1e9;
    System.out.printf("catch-up of %d MB (%d instances): %.2f s from restart (%.0f MB/s), %.2f s from the first"
        + " value made durable (%.0f MB/s)%n", mb, target - before, sec, mb / sec, streaming, mb / streaming);
  }

  private void stop() throws Exception {
    for (ReplicatedLog r : nodes.values()) {
      r.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
