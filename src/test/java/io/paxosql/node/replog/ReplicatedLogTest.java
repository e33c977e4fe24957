package io.paxosql.node.replog;

import static io.paxosql.node.replog.ReplogCluster.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paxosql.log.LogRecord;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Value;
import io.paxosql.transport.MessageCodec;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real ReplicatedLog nodes: real Chronicle files, real gRPC on loopback. */
class ReplicatedLogTest {
  @TempDir Path dir;
  ReplogCluster cluster;
  /** Every proposal whose future completed: position → bytes. */
  final Map<LogPosition, byte[]> completed = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Proposes concurrently; when leadership moves meanwhile, the failed ones are retried at the new leader. */
  private void proposeAll(ReplicatedLog at, String tag, int n) {
    List<Future<LogPosition>> fs = propose(at, tag, n);
    int failed = 0;
    for (Future<LogPosition> f : fs) {
      try {
        f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        failed++;
      }
    }
    if (failed > 0) {
      proposeUntilDone(tag + "-retry", failed);
    }
  }

  private List<Future<LogPosition>> propose(ReplicatedLog at, String tag, int n) {
    List<Future<LogPosition>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = (tag + "-" + i).getBytes(StandardCharsets.UTF_8);
      out.add(at.propose(b).onSuccess(pos -> completed.put(pos, b)));
    }
    return out;
  }

  /** Retries at whoever leads until {@code n} proposals completed (leadership may move meanwhile). */
  private void proposeUntilDone(String tag, int n) {
    int done = 0;
    int attempt = 0;
    while (done < n) {
      ReplicatedLog leader = cluster.leader();
      byte[] b = (tag + "-" + done + "-" + attempt++).getBytes(StandardCharsets.UTF_8);
      try {
        LogPosition p = leader.propose(b).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        completed.put(p, b);
        done++;
      } catch (Exception e) {
        // leadership moved; try again
      }
    }
  }

  /** Nothing whose future completed is missing, and it sits exactly where its future said. */
  private void checkCompletedAreChosen(List<LogRecord.Chosen> log) {
    Map<Long, Value> byInstance = new HashMap<>();
    for (LogRecord.Chosen c : log) {
      byInstance.put(c.instance(), MessageCodec.valueFromBytes(c.value()));
    }
    for (Map.Entry<LogPosition, byte[]> e : completed.entrySet()) {
      Value v = byInstance.get(e.getKey().instance());
      assertTrue(v != null, () -> "completed proposal " + new String(e.getValue(), StandardCharsets.UTF_8) + " at "
          + e.getKey() + " is not in the log read from node " + cluster.nodes.keySet().iterator().next()
          + " (" + log.size() + " values, " + (log.isEmpty() ? "none" : "[" + log.get(0).instance() + ", "
          + log.get(log.size() - 1).instance() + "]") + "); " + cluster.describe());
      assertArrayEquals(e.getValue(), ((Entry.Data) v.entries().get(e.getKey().index())).bytes());
    }
  }

  @ParameterizedTest(name = "{0} nodes, first instance {1}, event loops stalled now and then: {2}")
  @CsvSource({"3, 4294967196, false", "5, 0, false", "3, 0, true"})
  void proposalsSurviveAbruptStopsOfFollowerAndLeader(int size, long first, boolean stalls) {
    cluster = new ReplogCluster(dir, size, first);
    cluster.stallEventLoops = stalls;
    cluster.startAll();
    ReplicatedLog leader = cluster.leader();
    int follower = leader.nodeId() == 1 ? 2 : 1;
    List<Future<LogPosition>> forwarded = propose(cluster.node(follower), "forwarded", 100);
    proposeAll(leader, "at-leader", 300);
    int lost = 0;
    for (Future<LogPosition> f : forwarded) {
      try {
        f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        lost++;
      }
    }
    assertTrue(lost < 100, "no forwarded proposal completed");

    cluster.halt(follower);
    proposeAll(cluster.leader(), "while-follower-down", 200);
    cluster.start(follower);
    proposeAll(cluster.leader(), "after-follower-back", 50);
    leader = cluster.leader();

    int oldLeader = leader.nodeId();
    cluster.halt(oldLeader);
    proposeUntilDone("new-leader", 100);
    cluster.start(oldLeader);
    proposeUntilDone("all-back", 50);

    List<LogRecord.Chosen> log = cluster.converged(completed.keySet());
    checkCompletedAreChosen(log);
    assertTrue(log.get(log.size() - 1).instance() > first + 100);
    if (first > 0) {
      assertTrue(log.get(0).instance() < (1L << 32) && log.get(log.size() - 1).instance() > (1L << 32),
          "instance ids crossed 2^32");
    }
  }

  @Test
  void followersAndReadersSeeEveryChosenEntryInOrder() {
    cluster = new ReplogCluster(dir, 3, 0).startAll();
    ReplicatedLog leader = cluster.leader();
    proposeAll(leader, "before", 50);
    leader = cluster.leader();
    ReplicatedLog other = cluster.node(leader.nodeId() == 1 ? 2 : 1);
    List<ChosenEntry> seen = new CopyOnWriteArrayList<>();
    AutoCloseable sub = other.follow(LogPosition.START, seen::add);
    proposeAll(leader, "after", 50);
    ReplogCluster.waitFor("every completed entry followed", Duration.ofSeconds(20), () -> {
      java.util.Set<LogPosition> got = new java.util.HashSet<>();
      seen.forEach(e -> got.add(e.position()));
      return got.containsAll(completed.keySet());
    });
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i - 1).position().compareTo(seen.get(i).position()) < 0, "in order, no repeats");
    }
    for (ChosenEntry e : seen) {
      if (completed.containsKey(e.position())) {
        assertArrayEquals(completed.get(e.position()), e.bytes());
      }
    }
    List<ChosenEntry> read = await(other.read(seen.get(10).position(), 20).toCompletionStage());
    assertEquals(20, read.size());
    for (int i = 0; i < 20; i++) {
      assertEquals(seen.get(10 + i).position(), read.get(i).position());
      assertArrayEquals(seen.get(10 + i).bytes(), read.get(i).bytes());
    }
    try {
      sub.close();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theLogReportsFsyncsToTheRegistryTheNodeWasStartedWith() {
    cluster = new ReplogCluster(dir, 3, 0);
    // The log settings carry a registry of their own (as LogConfig.defaults does in a node); the node's
    // registry, where /metrics reads, must still get the log's fsync timer.
    cluster.tune = o -> new ReplogOptions(o.paxos(), o.log().withRegistry(new SimpleMeterRegistry()), o.transport(),
        o.tickMillis(), o.forwardProposals(), o.memoryValues(), o.retention(), o.retentionEvery(), o.progressTimeout(),
        o.catchUpBatchBytes(), o.catchUpMaxValues());
    cluster.startAll();
    proposeAll(cluster.leader(), "metered", 20);
    Timer fsync = cluster.registry.find("paxosql.log.fsync").timer();
    assertTrue(fsync != null && fsync.count() > 0, "no fsync recorded in the node's registry: " + fsync);
  }

  @Test
  void withoutForwardingAFollowerRejectsNamingTheLeader() {
    cluster = new ReplogCluster(dir, 3, 0);
    cluster.tune = o -> o.withForwarding(false);
    cluster.startAll();
    ReplicatedLog leader = cluster.leader();
    ReplicatedLog other = cluster.node(leader.nodeId() == 1 ? 2 : 1);
    ReplogCluster.waitFor("follower knows the leader", Duration.ofSeconds(10),
        () -> other.status().leaderHint() == leader.nodeId());
    Throwable t = other.propose(new byte[] {1}).toCompletionStage().toCompletableFuture()
        .handle((v, e) -> e).join();
    assertTrue(t != null && t.getMessage().contains("not leader: " + leader.nodeId()), String.valueOf(t));
  }
}
