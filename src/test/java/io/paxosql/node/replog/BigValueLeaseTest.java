package io.paxosql.node.replog;

import static io.paxosql.testing.Retry.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PaxosRole;
import io.paxosql.paxos.Status;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master's lease survives a multi-MB value whose write takes longer than the lease, on every node at
 * once (a part of a large transaction on a loaded machine). Renewals and grants leave as a Ready is taken,
 * and with one Ready with the log at a time none was taken while the big value synced: the leader's
 * renewals and the followers' grants waited, and the lease lapsed (issue 16, large transactions). Real
 * nodes, real gRPC, real Chronicle logs; the slow disks come in through the log's sync seam.
 */
class BigValueLeaseTest {
  private static final int BIG = 2 << 20;
  private static final long TICK_MS = 100;
  @TempDir Path dir;
  ReplogCluster cluster;
  final Map<Integer, HeldSyncDisk> disks = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    disks.values().forEach(HeldSyncDisk::release);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void theLeaseOutlivesASyncOfABigValueLongerThanTheLease() {
    cluster = new ReplogCluster(dir, 3, 0).withTickMs(TICK_MS);
    cluster.tune = o -> {
      HeldSyncDisk d = disks.computeIfAbsent(o.paxos().nodeId(), id -> new HeldSyncDisk(a -> a.value().length >= BIG));
      PaxosConfig p = o.paxos();
      PaxosConfig big = new PaxosConfig(p.clusterId(), p.nodeId(), p.initialMembers(), p.firstInstance(),
          p.leaseTicks(), p.leaseMarginTicks(), p.renewTicks(), p.electionTicks(), p.retransmitTicks(), p.alpha(),
          4 << 20, p.maxPending(), p.catchUpBatch());
      return new ReplogOptions(big, o.log().withSyncFault(d), o.transport().withBatchBytes(4 << 20), o.tickMillis(),
          o.forwardProposals(), o.memoryValues(), o.retention(), o.retentionEvery(), o.progressTimeout(),
          o.catchUpBatchBytes(), o.catchUpMaxValues(), o.ownerFloor());
    };
    cluster.startAll();
    ReplicatedLog leader = cluster.leader();
    cluster.proposeAll(leader, "before", 5);
    long lease = TICK_MS * cluster.options(leader.nodeId()).paxos().leaseTicks();
    CountDownLatch release = new CountDownLatch(1);
    disks.values().forEach(d -> d.held = release);

    byte[] value = new byte[BIG];
    Arrays.fill(value, (byte) 'v');
    Future<LogPosition> chosen = leader.propose(value);
    waitFor("every node to append the big value and start its sync", Duration.ofSeconds(30),
        () -> disks.values().stream().allMatch(d -> d.heldSyncs.get() > 0));
    // Two and a half leases with the value's write unfinished everywhere: the lease must be renewed meanwhile.
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lease * 5 / 2);
    while (System.nanoTime() < until) {
      Status s = leader.status();
      assertTrue(s.role() == PaxosRole.LEADER && leader.holdsLease(), () -> "node " + leader.nodeId()
          + " lost its lease while the big value synced: " + leader.status() + "; " + cluster.describe());
      sleep(20);
    }

    disks.values().forEach(d -> d.held = null);
    release.countDown();
    waitFor("the big value to be chosen once the syncs finished", Duration.ofSeconds(30), chosen::isComplete);
    assertTrue(chosen.succeeded(), () -> "the big value failed: " + chosen.cause());
    cluster.completed.put(chosen.result(), value);
    assertEquals(leader.nodeId(), cluster.leader().nodeId(), "the leader changed");
  }

  private static void sleep(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
