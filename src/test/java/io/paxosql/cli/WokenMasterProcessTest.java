package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 12: a master node process paused (SIGSTOP, as a long GC pause or a stalled VM) for longer than
 * its lease, then resumed, under writers through a surviving node's RW port. The others elect a new
 * master once; the woken node must learn who leads instead of campaigning: the new master keeps its
 * role and its MariaDB (no fence), and the writes never stop again after the resume.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WokenMasterProcessTest {
  private static final Logger log = LoggerFactory.getLogger(WokenMasterProcessTest.class);
  private static final Duration START = Duration.ofSeconds(120);
  private static final long PAUSE_MS = 8_000;
  private static final long WATCH_MS = 20_000;
  /** Longest pause between acknowledged writes allowed after the resume; an election takes ~2.5 s. */
  private static final long MAX_GAP_MS = 2_000;

  private NodeProcesses cluster;

  @AfterEach
  void tearDown() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aWokenMasterDoesNotDeposeTheNewOne() throws Exception {
    cluster = new NodeProcesses(3);
    int old = cluster.startInitialised(START);
    int survivor = old == 1 ? 2 : 1;
    try (Connection c = cluster.rw(survivor); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE stopdb");
      s.execute("CREATE TABLE stopdb.w (id BIGINT PRIMARY KEY, at DATETIME(6))");
    }
    try (RwWriter writers = new RwWriter(cluster, 4, () -> survivor)) {
      writers.awaitProgress(50, 30_000, "before the pause");
      log.info("SIGSTOP to master node {}'s JVM for {} ms", old, PAUSE_MS);
      // Fences before the pause (an election race while the cluster starts) are not the woken master's doing:
      // each node's log is judged from here on.
      Map<Integer, Integer> logMarks = new HashMap<>();
      for (int id = 1; id <= 3; id++) {
        logMarks.put(id, (int) Files.size(cluster.log(id)));
      }
      long stoppedAt = System.nanoTime();
      cluster.signal(old, "STOP", false);
      int next;
      try {
        next = awaitMasterAmong(others(old), Duration.ofMillis(PAUSE_MS));
        log.info("node {} took over {} ms into the pause", next,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt));
        writers.awaitProgress(20, PAUSE_MS, "through node " + survivor + " after node " + next + " took over");
        long left = PAUSE_MS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
        if (left > 0) {
          TimeUnit.MILLISECONDS.sleep(left);
        }
      } finally {
        cluster.signal(old, "CONT", false);
      }
      long resumedAt = System.nanoTime();
      JsonObject before = cluster.local(next).orElseThrow();
      long epoch = before.getLong("epoch");
      log.info("SIGCONT to node {}; node {} is master at epoch {}", old, next, epoch);
      List<String> changes = new ArrayList<>();
      long watchEnd = resumedAt + TimeUnit.MILLISECONDS.toNanos(WATCH_MS);
      while (System.nanoTime() < watchEnd) {
        Optional<JsonObject> st = cluster.local(next);
        String seen = st.map(s -> s.getString("role") + "@" + s.getLong("epoch") + (s.getBoolean("mariadbRunning")
            ? "" : " (MariaDB down)")).orElse("no answer");
        if (!seen.equals("MASTER@" + epoch) && (changes.isEmpty() || !changes.get(changes.size() - 1).endsWith(seen))) {
          changes.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumedAt) + " ms: " + seen);
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
      writers.close();
      long maxGap = maxGapMs(writers, resumedAt, watchEnd);
      long failed = writers.outcomes().stream().filter(o -> !o.ok() && o.atNanos() - resumedAt > 0).count();
      byte[] whole = Files.readAllBytes(cluster.log(next));
      String nextLog = new String(whole, logMarks.get(next), whole.length - logMarks.get(next), StandardCharsets.UTF_8);
      List<String> fences = nextLog.lines().filter(l -> l.contains("fences its MariaDB")).toList();
      log.info("after the resume: node {} changes {}, longest write gap {} ms, {} failed writes, fences {}",
          next, changes, maxGap, failed, fences);
      assertTrue(changes.isEmpty(), "node " + next + " did not stay master at epoch " + epoch
          + " after node " + old + " woke: " + changes + "; fences in its log: " + fences);
      assertTrue(fences.isEmpty(), "node " + next + " fenced its MariaDB: " + fences);
      assertEquals(Optional.of(next), cluster.master(), "the master after the watch; roles " + cluster.roles());
      assertTrue(maxGap <= MAX_GAP_MS, "writes through node " + survivor + " stopped for " + maxGap
          + " ms after the resume (" + failed + " failed)");
    }
    cluster.passed = true;
  }

  private static List<Integer> others(int node) {
    return List.of(1, 2, 3).stream().filter(n -> n != node).toList();
  }

  /** Waits for one of {@code ids} to report MASTER (the paused node cannot answer). */
  private int awaitMasterAmong(List<Integer> ids, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (int id : ids) {
        if (cluster.local(id).map(s -> "MASTER".equals(s.getString("role"))).orElse(false)) {
          return id;
        }
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new AssertionError("no new master among " + ids + " within " + timeout);
  }

  /** The longest time without an acknowledged write between {@code from} and {@code to}. */
  private static long maxGapMs(RwWriter writers, long from, long to) {
    long last = from;
    long max = 0;
    List<Long> oks = writers.outcomes().stream().filter(o -> o.ok()).map(RwWriter.Outcome::atNanos)
        .filter(t -> t - from > 0 && to - t > 0).sorted().toList();
    for (long t : oks) {
      max = Math.max(max, t - last);
      last = t;
    }
    max = Math.max(max, to - last);
    return TimeUnit.NANOSECONDS.toMillis(max);
  }
}
