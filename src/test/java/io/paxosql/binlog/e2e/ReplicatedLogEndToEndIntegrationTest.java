package io.paxosql.binlog.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.binlog.server.BinlogServerConfig;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.replog.ReplogCluster;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.MariaDbServers;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binlog end-to-end test with the replicated log in the middle: MariaDB A (semi-sync master) →
 * capture → the chain on the leader of three ReplicatedLog nodes (real Chronicle files, real gRPC on
 * loopback) → a binlog server on each other node, reading its own node's chain → one real MariaDB
 * replica per follower.
 */
// the slow-tagged 50 MB transaction is split across Paxos values and reaches two replicas.
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ReplicatedLogEndToEndIntegrationTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();
  @TempDir Path dir;

  @Test
  void mixedConcurrentWorkloadThroughThreePaxosNodesReachesEveryReplica() throws Exception {
    try (ThreeNodes rig = new ThreeNodes(servers, dir)) {
      long seed = Workload.mixed(rig.a);
      for (MariaDbServer replica : rig.replicas) {
        Rig.awaitCaughtUp(rig.a, replica, 60);
        Workload.assertSameData(rig.a, replica, "seed " + seed + ", replica on port " + replica.port());
      }
      assertTrue(rig.capture.acksSent() > 0, "the capture ACKed the master");
      rig.assertChainsAgree();
    }
  }

  @Test
  @Tag("slow")
  void aFiftyMegabyteTransactionIsSplitAcrossPaxosValuesAndReachesEveryReplica() throws Exception {
    try (ThreeNodes rig = new ThreeNodes(servers, dir)) {
      Workload.fiftyMegabyteTransaction(rig.a);
      for (MariaDbServer replica : rig.replicas) {
        Rig.awaitCaughtUp(rig.a, replica, 180);
        Workload.assertSameData(rig.a, replica, "50 MB transaction, replica " + replica);
      }
      rig.assertChainsAgree();
      ChainedLog follower = rig.chains.get(rig.followers.get(0));
      long biggest = 0;
      for (long seq = 1; seq <= follower.state().lastSequence(); seq++) {
        for (LogEntry e : follower.read(seq, 1).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS)) {
          biggest = Math.max(biggest, e.transaction().sizeBytes());
        }
      }
      int perValue = rig.nodes.get(rig.master).maxProposalBytes();
      assertTrue(biggest > 50_000_000L && biggest > 10L * perValue, "largest transaction in the chain: " + biggest
          + " bytes; one Paxos value holds " + perValue);
    }
  }

  /** Three ReplicatedLog nodes (ReplogCluster) with a chain each; the leader's chain takes the capture. */
  static final class ThreeNodes implements AutoCloseable {
    /** The test's original clock: a 3 s lease, so a loaded machine does not move the master mid-transaction. */
    private static final long TICK_MS = 100;
    final ReplogCluster paxos;
    final Vertx vertx;
    final Map<Integer, ReplicatedLog> nodes = new TreeMap<>();
    final Map<Integer, ChainedLog> chains = new TreeMap<>();
    final List<String> rejected = new CopyOnWriteArrayList<>();
    final List<Integer> followers = new ArrayList<>();
    final List<BinlogServer> binlogServers = new ArrayList<>();
    final List<MariaDbServer> replicas = new ArrayList<>();
    final int master;
    final MariaDbServer a;
    final Capture capture;

    ThreeNodes(MariaDbServers servers, Path dir) throws Exception {
      paxos = new ReplogCluster(dir, 3, 0).withTickMs(TICK_MS).startAll();
      vertx = paxos.vertx();
      for (int id = 1; id <= 3; id++) {
        nodes.put(id, paxos.node(id));
      }
      master = paxos.leader().nodeId();
      for (int id : nodes.keySet()) {
        ChainedLog chain = new ChainedLog(nodes.get(id), id, rejected::add);
        chain.start();
        chains.put(id, chain);
      }
      await(chains.get(master).beginEpoch(1).toCompletionStage().toCompletableFuture());
      a = Rig.startMaster(servers, "a");
      capture = new Capture(vertx, CaptureConfig.of("127.0.0.1", a.port(), Rig.REPL_USER, Rig.REPL_PASSWORD,
          Rig.CAPTURE_SERVER_ID, GtidState.EMPTY), chains.get(master)::append);
      await(capture.start().toCompletionStage().toCompletableFuture());
      for (int id : nodes.keySet()) {
        if (id == master) {
          continue;
        }
        followers.add(id);
        BinlogServer server = new BinlogServer(vertx, BinlogServerConfig.of(FreePorts.next(), Rig.RELAY_USER,
            Rig.RELAY_PASSWORD, Rig.BINLOG_SERVER_ID), chains.get(id));
        binlogServers.add(server);
        int port = await(server.start().toCompletionStage().toCompletableFuture());
        MariaDbServer replica = servers.start("replica" + id);
        Rig.follow(replica, port);
        replicas.add(replica);
      }
    }

    /** Every node derived the same chain, and the chain refused none of the master's transactions. */
    void assertChainsAgree() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!chains.get(1).state().equals(chains.get(2).state())
          || !chains.get(1).state().equals(chains.get(3).state())) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("chains differ: " + chains.values().stream().map(ChainedLog::state).toList());
        }
        Thread.sleep(20);
      }
      assertEquals(List.of(), rejected, "transactions the chain refused");
      assertEquals(master, chains.get(master).state().masterNode());
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
      return f.get(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      if (capture != null) {
        capture.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      for (BinlogServer s : binlogServers) {
        s.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      for (ChainedLog c : chains.values()) {
        c.stop();
      }
      paxos.close();
    }
  }
}
