package io.paxosql.node.replog;

import static io.paxosql.testing.Retry.waitFor;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.chain.LogPosition;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proposal completes (the capture's ACK) only once a majority has synced it: with one follower whose
 * syncs hang and one whose syncs fail, the leader alone holds the value durably and must not answer until
 * the slow follower's sync returns. Real nodes, real Chronicle logs; the disks' faults come in through the
 * log's sync seam.
 */
class AckAfterMajorityFsyncTest {
  static final byte[] VALUE = "needs-a-majority".getBytes(StandardCharsets.UTF_8);
  @TempDir Path dir;
  ReplogCluster cluster;
  final Map<Integer, HeldSyncDisk> disks = new ConcurrentHashMap<>();

  /** Whether {@code value} carries {@code bytes} (the leader may batch several proposals into one value). */
  static boolean holds(byte[] value, byte[] bytes) {
    for (int i = 0; i + bytes.length <= value.length; i++) {
      if (Arrays.equals(value, i, i + bytes.length, bytes, 0, bytes.length)) {
        return true;
      }
    }
    return false;
  }

  @AfterEach
  void stop() {
    disks.values().forEach(HeldSyncDisk::release);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void theAckWaitsForTheSlowFollowerWhenTheOtherFails() {
    // A slower Paxos clock: the hold below must stay inside one lease, or the leader rightly steps down and
    // answers "in doubt" instead of waiting.
    cluster = new ReplogCluster(dir, 3, 0).withTickMs(200);
    cluster.tune = o -> {
      HeldSyncDisk d = disks.computeIfAbsent(o.paxos().nodeId(), id -> new HeldSyncDisk(a -> holds(a.value(), VALUE)));
      return new ReplogOptions(o.paxos(), o.log().withSyncFault(d), o.transport(), o.tickMillis(),
          o.forwardProposals(), o.memoryValues(), o.retention(), o.retentionEvery(), o.progressTimeout(),
          o.catchUpBatchBytes(), o.catchUpMaxValues(), o.ownerFloor());
    };
    cluster.startAll();
    ReplicatedLog leader = cluster.leader();
    cluster.proposeAll(leader, "healthy", 20);
    List<Integer> followers = cluster.nodes.keySet().stream().filter(id -> id != leader.nodeId()).toList();
    HeldSyncDisk slow = disks.get(followers.get(0));
    HeldSyncDisk failing = disks.get(followers.get(1));
    AtomicReference<Throwable> failedNode = new AtomicReference<>();
    cluster.node(followers.get(1)).onFatal(failedNode::set);
    CountDownLatch release = new CountDownLatch(1);
    slow.held = release;
    failing.failing = true;

    Future<LogPosition> ack = leader.propose(VALUE);
    waitFor("the slow follower to append the value and start its sync", Duration.ofSeconds(30),
        () -> slow.heldSyncs.get() > 0);
    waitFor("the failing follower's sync to fail and stop it", Duration.ofSeconds(30),
        () -> failing.failedSyncs.get() > 0 && failedNode.get() != null);
    // Only the leader holds the value durably now; give a wrong answer time to show. (Failing "in doubt"
    // would not be an ACK, but it is not expected within one lease either.)
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
    while (System.nanoTime() < until) {
      assertFalse(ack.isComplete(), () -> "the proposal was answered (" + (ack.succeeded() ? "ok " + ack.result()
          : ack.cause()) + ") while only the leader had synced it");
      Thread.onSpinWait();
    }

    slow.held = null;
    release.countDown();
    waitFor("the proposal to complete once the slow follower synced", Duration.ofSeconds(30), ack::isComplete);
    assertTrue(ack.succeeded(), () -> "the proposal failed: " + ack.cause());
    cluster.completed.put(ack.result(), VALUE);
  }
}
