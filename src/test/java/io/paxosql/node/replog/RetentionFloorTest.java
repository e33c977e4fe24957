package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.log.LogConfig;
import io.paxosql.log.ReadResult;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.testing.Retry;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real replicated-log nodes (Chronicle, gRPC) with a tiny window, crossing instance 2^32: retention
 * keeps every log within its bound, and a node whose own application is behind its peers (as after a restart)
 * never deletes what it has not applied, whatever its peers report and however far over its bound it is.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RetentionFloorTest {
  private static final long BOUND = 64L << 10;
  private static final long ROLL = 16L << 10;
  @TempDir Path dir;
  private ReplogCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aNodeBehindItsPeersNeverDeletesWhatItHasNotAppliedAndTheOthersStayInBound() throws Exception {
    long first = (1L << 32) - 20;   // proposals are batched: a few dozen instances carry them all
    cluster = new ReplogCluster(dir, 3, first);
    cluster.tune = o -> new ReplogOptions(o.paxos(), o.log().withRetention(50, Duration.ZERO)
        .withBounds(new LogConfig.Bounds(BOUND, Duration.ofDays(1), ROLL)), o.transport(), o.tickMillis(), true,
        5_000, true, Duration.ofMillis(200), Duration.ofSeconds(30), 256 << 10, 100_000);
    cluster.startAll();
    long floor3 = first + 5;
    cluster.node(3).localFloor(() -> floor3);   // node 3's application applied only this far
    byte[] value = new byte[100];
    for (int round = 0; round < 40; round++) {
      List<Future<LogPosition>> batch = new ArrayList<>();
      ReplicatedLog leader = cluster.leader();
      for (int i = 0; i < 100; i++) {
        batch.add(leader.propose(value));
      }
      Future.all(batch).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    Retry.until("nodes 1 and 2 trimmed to their bound past 2^32", Duration.ofSeconds(60), () -> {
      for (int id = 1; id <= 2; id++) {
        ReplicatedLog r = cluster.node(id);
        if (r.chosenBelow() <= 1L << 32 || r.storage().heldBytes() > BOUND + ROLL || r.firstRetained() <= 1L << 32) {
          throw new IllegalStateException("node " + id + ": chosen below " + r.chosenBelow() + ", first retained "
              + r.firstRetained() + ", " + r.storage().heldBytes() + " bytes; " + r.retentionDecision());
        }
      }
      return true;
    });
    ReplicatedLog behind = cluster.node(3);
    Retry.until("node 3 decided with its floor", Duration.ofSeconds(10), () -> {
      if (!behind.retentionDecision().contains("own floor " + floor3)) {
        throw new IllegalStateException("decision: " + behind.retentionDecision());
      }
      return true;
    });
    assertTrue(behind.storage().heldBytes() > BOUND + ROLL, "node 3 is over its bound: " + behind.storage().heldBytes());
    assertTrue(behind.firstRetained() <= floor3, "node 3 deleted below its own floor: first retained "
        + behind.firstRetained() + ", floor " + floor3);
    ReadResult r = behind.storage().read(floor3, 1, 1 << 20).join();
    assertFalse(r.snapshotNeeded());
    // Once its application catches up, node 3 trims to its bound too.
    behind.localFloor(behind::chosenBelow);
    Retry.until("node 3 trimmed once it applied", Duration.ofSeconds(60), () -> {
      if (behind.storage().heldBytes() > BOUND + ROLL || behind.firstRetained() <= floor3) {
        throw new IllegalStateException("node 3: first retained " + behind.firstRetained() + ", "
            + behind.storage().heldBytes() + " bytes; " + behind.retentionDecision());
      }
      return true;
    });
  }
}
