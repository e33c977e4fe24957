package io.paxosql.node.replog;

import static io.paxosql.node.replog.AckAfterMajorityFsyncTest.holds;
import static io.paxosql.testing.Retry.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.log.LogRecord;
import io.paxosql.log.SyncFault;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecordCodec;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.LogPosition;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chosen value reaches the chain (and so the capture's ACK) once it is chosen and durably accepted here,
 * without waiting for its Chosen record; and a crash between the two loses nothing: the chain rebuilt from
 * the log after a restart comes out the same. Real nodes, Chronicle logs, gRPC on loopback; the leader's
 * Chosen record is held through the log's fault seam.
 */
class EarlyDeliveryTest {
  static final byte[] MARK = "early-delivery-mark".getBytes(StandardCharsets.UTF_8);
  /** How long a follower's sync of the marked Accepted record is delayed (the leader's own sync takes ms). */
  static final Duration SLOW_ACCEPTED = Duration.ofSeconds(1);
  @TempDir Path dir;
  ReplogCluster cluster;
  final Map<Integer, Disk> disks = new ConcurrentHashMap<>();
  final List<ChainedLog> chains = new ArrayList<>();

  /**
   * One node's disk: holds the sync, or the append, of the Chosen record carrying {@link #MARK} while set.
   * It is held only for a group without the Accepted record of that value: several Readys are with
   * the log at once, so a leader whose writer was busy may sync both in one group, and the value is then not
   * durably accepted here before its Chosen record is. {@link #slowAccepted} delays a follower's sync of the
   * Accepted record carrying the mark, so the leader's own Accepted record is synced before a majority has it.
   */
  static final class Disk implements SyncFault {
    volatile CountDownLatch holdSync;
    volatile CountDownLatch holdAppend;
    volatile boolean slowAccepted;
    final AtomicInteger held = new AtomicInteger();

    @Override
    public void beforeSync(List<LogRecord> records) throws IOException {
      boolean accepted = records.stream().anyMatch(r -> r instanceof LogRecord.Accepted a && holds(a.value(), MARK));
      if (accepted && slowAccepted) {
        try {
          Thread.sleep(SLOW_ACCEPTED.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while delayed (the node halted)", e);
        }
      }
      hold(holdSync, records);
    }

    @Override
    public void beforeAppend(List<LogRecord> records) throws IOException {
      hold(holdAppend, records);
    }

    private void hold(CountDownLatch latch, List<LogRecord> records) throws IOException {
      if (latch == null || records.stream().noneMatch(r -> r instanceof LogRecord.Chosen c && holds(c.value(), MARK))
          || records.stream().anyMatch(r -> r instanceof LogRecord.Accepted a && holds(a.value(), MARK))) {
        return;
      }
      held.incrementAndGet();
      try {
        if (!latch.await(60, TimeUnit.SECONDS)) {
          throw new IOException("injected hold was never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while held (the node halted)", e);
      }
    }

    void releaseAll() {
      for (CountDownLatch l : new CountDownLatch[] {holdSync, holdAppend}) {
        if (l != null) {
          l.countDown();
        }
      }
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (ChainedLog c : chains) {
      c.stop();
    }
    disks.values().forEach(Disk::releaseAll);
    if (cluster != null) {
      cluster.close();
    }
  }

  private void startCluster(long tickMs) {
    cluster = new ReplogCluster(dir, 3, 0).withTickMs(tickMs);
    cluster.tune = o -> {
      Disk d = disks.computeIfAbsent(o.paxos().nodeId(), id -> new Disk());
      return new ReplogOptions(o.paxos(), o.log().withSyncFault(d), o.transport(), o.tickMillis(),
          o.forwardProposals(), o.memoryValues(), o.retention(), o.retentionEvery(), o.progressTimeout(),
          o.catchUpBatchBytes(), o.catchUpMaxValues(), o.ownerFloor());
    };
    cluster.startAll();
  }

  private ChainedLog chainOn(ReplicatedLog r) {
    ChainedLog c = new ChainedLog(r, r.nodeId(), why -> { });
    chains.add(c);
    c.start();
    return c;
  }

  static Transaction tx(int node, long seq, byte[] body) {
    return new Transaction(new Gtid(0, node, seq), List.of(body), "b", seq);
  }

  static byte[] marked(long seq) {
    byte[] b = new byte[MARK.length + 8];
    System.arraycopy(MARK, 0, b, 0, MARK.length);
    for (int i = 0; i < 8; i++) {
      b[MARK.length + i] = (byte) (seq >>> (8 * i));
    }
    return b;
  }

  /** The log position of the chain record of {@code gtid}, searched from {@code from} (held values included). */
  static LogPosition positionOf(ReplicatedLog r, long from, Gtid gtid) {
    List<ChosenEntry> entries = ReplogCluster.await(r.read(new LogPosition(from, 0), 64).toCompletionStage());
    for (ChosenEntry e : entries) {
      if (ChainRecordCodec.decode(e.bytes()) instanceof ChainedTransaction t && t.transaction().gtid().equals(gtid)) {
        return e.position();
      }
    }
    throw new AssertionError("no chain record of " + gtid + " from instance " + from + " on node " + r.nodeId());
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void theChainTakesAValueWhileTheLeadersChosenRecordIsStillSyncing() {
    // The hold below stops the leader's writer: it must stay well inside one lease (200 ms ticks: 6 s).
    startCluster(200);
    ReplicatedLog leader = cluster.leader();
    ChainedLog chain = chainOn(leader);
    ReplogCluster.await(chain.beginEpoch(1).toCompletionStage());
    ReplogCluster.await(chain.append(tx(leader.nodeId(), 1, "warm".getBytes(StandardCharsets.UTF_8))).toCompletionStage());
    Disk disk = disks.get(leader.nodeId());
    disks.forEach((id, d) -> d.slowAccepted = id != leader.nodeId());
    CountDownLatch release = new CountDownLatch(1);
    disk.holdSync = release;
    long durableBefore = leader.chosenBelow();

    Transaction t = tx(leader.nodeId(), 2, marked(2));
    Future<LogEntry> appended = chain.append(t);
    waitFor("the leader to hold the sync of the Chosen record", Duration.ofSeconds(30), () -> disk.held.get() > 0);
    waitFor("the chain to accept the value while that sync is held", Duration.ofSeconds(30), appended::isComplete);
    assertTrue(appended.succeeded(), () -> "the append failed: " + appended.cause());
    LogPosition at = positionOf(leader, durableBefore, t.gtid());
    assertTrue(leader.chosenBelow() <= at.instance(), () -> "the Chosen record at " + at + " is durable already ("
        + leader.chosenBelow() + "): the hold did not hold");
    // A binlog server reads the transaction back now, before its Chosen record is durable.
    List<LogEntry> read = ReplogCluster.await(chain.read(2, 1).toCompletionStage());
    assertEquals(1, read.size());
    assertArrayEquals(t.events().get(0), read.get(0).transaction().events().get(0));

    disk.holdSync = null;
    release.countDown();
    waitFor("the Chosen record to become durable", Duration.ofSeconds(30), () -> leader.chosenBelow() > at.instance());
    List<LogEntry> again = ReplogCluster.await(chain.read(2, 1).toCompletionStage());
    assertArrayEquals(t.events().get(0), again.get(0).transaction().events().get(0));
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void aCrashAfterEarlyDeliveryBeforeAnyChosenRecordRebuildsTheSameChain() {
    startCluster(ReplogCluster.TICK_MS);
    ReplicatedLog leader = cluster.leader();
    int l = leader.nodeId();
    ChainedLog chain = chainOn(leader);
    ReplogCluster.await(chain.beginEpoch(1).toCompletionStage());
    for (long s = 1; s <= 3; s++) {
      ReplogCluster.await(chain.append(tx(l, s, ("before-" + s).getBytes(StandardCharsets.UTF_8))).toCompletionStage());
    }
    // No node may write the Chosen record of the next value: a power loss of the whole cluster right after.
    CountDownLatch never = new CountDownLatch(1);
    disks.forEach((id, d) -> d.slowAccepted = id != leader.nodeId());
    disks.values().forEach(d -> d.holdAppend = never);
    long durableBefore = leader.chosenBelow();
    Transaction t = tx(l, 4, marked(4));
    Future<LogEntry> appended = chain.append(t);
    waitFor("the chain to accept the value before its Chosen record", Duration.ofSeconds(30), appended::isComplete);
    assertTrue(appended.succeeded(), () -> "the append failed: " + appended.cause());
    LogPosition at = positionOf(leader, durableBefore, t.gtid());
    ChainState before = chain.state();
    chains.remove(chain);
    for (int id : List.copyOf(cluster.nodes.keySet())) {
      cluster.halt(id);
    }
    disks.values().forEach(d -> d.holdAppend = null);

    // Alone, the old leader cannot learn anything: what it restarts with is what its files hold.
    ReplicatedLog restarted = cluster.start(l);
    assertTrue(restarted.chosenBelow() <= at.instance(), () -> "node " + l + " restarted with the Chosen record of "
        + at + " (chosen below " + restarted.chosenBelow() + "): the crash did not land between the two records");
    for (int id : cluster.ports.keySet()) {
      if (id != l) {
        cluster.start(id);
      }
    }
    List<ChainedLog> rebuilt = new ArrayList<>();
    cluster.nodes.values().forEach(r -> rebuilt.add(chainOn(r)));
    waitFor("every node's chain to learn the value again and match the chain before the crash", Duration.ofSeconds(90),
        () -> {
          // The chain may be short of what the database applied until the value is decided again: the log
          // must not call itself caught up before then.
          if (restarted.caughtUp()) {
            assertTrue(restarted.chosenBelow() > at.instance(), "caught up while the value at " + at
                + " is undecided here");
          }
          return rebuilt.stream().allMatch(c -> c.state().equals(before));
        });
    for (ChainedLog c : rebuilt) {
      List<LogEntry> read = ReplogCluster.await(c.read(4, 1).toCompletionStage());
      assertArrayEquals(t.events().get(0), read.get(0).transaction().events().get(0));
      assertEquals(t.gtid(), read.get(0).transaction().gtid());
    }
    assertFalse(restarted.storage().chosenBelow() <= at.instance(), "the value was learned but not made durable");
  }
}
