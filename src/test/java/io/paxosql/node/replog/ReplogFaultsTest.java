package io.paxosql.node.replog;

import static io.paxosql.node.replog.ReplogCluster.await;
import static io.paxosql.testing.Retry.waitFor;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.log.LogCorruptedException;
import io.paxosql.log.LogRecord;
import io.paxosql.node.chain.LogPosition;
import io.vertx.core.Future;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Partitions, lagging nodes, retention and damaged files, on real nodes. */
class ReplogFaultsTest {
  @TempDir Path dir;
  ReplogCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theMinorityLeaderLosesItsLeaseAndTheMajorityGoesOn() {
    cluster = new ReplogCluster(dir, 5, 0).startAll();
    ReplicatedLog old = cluster.leader();
    cluster.proposeAll(old, "before", 100);
    List<Integer> minority = List.of(old.nodeId(), old.nodeId() % 5 + 1);
    List<Integer> majority = cluster.nodes.keySet().stream().filter(n -> !minority.contains(n))
        .collect(Collectors.toList());
    cluster.faults.partition(minority, majority);

    waitFor("the old leader's lease to lapse", Duration.ofSeconds(10), () -> !old.holdsLease());
    Future<LogPosition> stuck = old.propose("in-minority".getBytes(StandardCharsets.UTF_8));
    ReplicatedLog fresh = cluster.leader(majority);
    cluster.proposeAll(fresh, "majority", 200);
    assertFalse(stuck.succeeded(), "the minority side completed a proposal: " + stuck.result());

    cluster.faults.heal();
    cluster.proposeAll(cluster.leader(), "healed", 50);
    waitFor("the stuck proposal to settle", Duration.ofSeconds(30), stuck::isComplete);
    if (stuck.succeeded()) {
      cluster.completed.put(stuck.result(), "in-minority".getBytes(StandardCharsets.UTF_8));
    }
    cluster.checkCompletedAreChosen(cluster.converged(cluster.completed.keySet()));
  }

  /**
   * While the lagging node is down for the second time it is also cut off by the fault injector: a peer
   * keeps up to 10,000 messages for a link that is down and delivers them when it comes back, and those
   * Accepts (with the commit point) are enough for the node to learn every value it missed, so it would
   * never be outside the window (that once looked like a node deleting roll files it had not applied). The
   * first outage is cut off the same way, so the node inside the window has to catch up from its peers.
   */
  @Test
  void laggingNodesCatchUpInsideTheWindowAndNeedASnapshotOutsideIt() throws Exception {
    long first = (1L << 31) - 100;
    cluster = new ReplogCluster(dir, 3, first);
    cluster.tune = o -> new ReplogOptions(o.paxos(), o.log().withRetention(50, Duration.ZERO), o.transport(),
        o.tickMillis(), true, 5_000, true, Duration.ofMillis(200), Duration.ofSeconds(1), 256 << 10, 100_000);
    cluster.startAll();
    ReplicatedLog leader = cluster.leader();
    int lag = leader.nodeId() == 3 ? 2 : 3;

    cluster.halt(lag);
    cluster.faults.isolate(lag, cluster.ports.keySet());
    cluster.proposeOneByOne("inside", 40);
    cluster.faults.heal();
    ReplicatedLog back = cluster.start(lag);
    waitFor("the lagging node to catch up", Duration.ofSeconds(30),
        () -> back.chosenBelow() == cluster.leader().chosenBelow());
    long caughtUpTo = back.chosenBelow();

    cluster.halt(lag);
    cluster.faults.isolate(lag, cluster.ports.keySet());
    for (int round = 0; round < 6; round++) {
      cluster.proposeOneByOne("outside-" + round, 40);
      cluster.proposeAll(cluster.leader(), "outside-batch-" + round, 1_000);
      Thread.sleep(1_050); // one roll file per second
    }
    waitFor("every running node's retention to pass the lagging node", Duration.ofSeconds(30),
        () -> cluster.nodes.values().stream().allMatch(r -> r.firstRetained() > caughtUpTo));
    assertTrue(cluster.leader().firstRetained() > (1L << 31), "ids crossed 2^31 and retention passed them");
    assertTrue(cluster.leader().storage().files().size() < 6, "old roll files were deleted");
    cluster.faults.heal();
    ReplicatedLog behind = cluster.start(lag);
    waitFor("snapshot needed", Duration.ofSeconds(30), () -> behind.snapshotNeeded() != null);
    cluster.halt(lag);
    cluster.checkCompletedAreChosen(withRetained(cluster.converged(cluster.completed.keySet())));
  }

  /**
   * Members delete on their own schedules: when the lagging node returns, the leader may have deleted what it
   * lacks while another member still keeps it (here a retention hold keeps it there). The leader's "snapshot
   * needed" is then not the last word: the node asks the other member and catches up from its log, and never
   * reports that it needs a snapshot (which would rebuild it from a backup).
   */
  @Test
  void aNodeOutsideTheLeadersWindowButInsideAnotherMembersCatchesUpFromThatMember() throws Exception {
    cluster = new ReplogCluster(dir, 3, 0);
    cluster.tune = o -> new ReplogOptions(o.paxos(), o.log().withRetention(50, Duration.ZERO), o.transport(),
        o.tickMillis(), true, 5_000, true, Duration.ofMillis(200), Duration.ofSeconds(1), 256 << 10, 100_000);
    cluster.startAll();
    ReplicatedLog leader = cluster.leader();
    int lag = leader.nodeId() == 3 ? 2 : 3;
    int keeper = 6 - leader.nodeId() - lag;
    cluster.proposeOneByOne("before", 40);
    waitFor("the lagging node to have everything", Duration.ofSeconds(30),
        () -> cluster.node(lag).chosenBelow() == cluster.leader().chosenBelow());
    long lagEnd = cluster.node(lag).chosenBelow();
    RetentionHolds.Hold hold = cluster.node(keeper).holds().hold(lagEnd, "test: the keeper still keeps it");
    cluster.faults.isolate(lag, cluster.ports.keySet());
    cluster.halt(lag);
    for (int round = 0; round < 6; round++) {
      cluster.proposeOneByOne("outside-" + round, 40);
      cluster.proposeAll(cluster.leader(), "outside-batch-" + round, 1_000);
      Thread.sleep(1_050); // one roll file per second
    }
    ReplicatedLog now = cluster.leader();
    waitFor("the leader's retention to pass the lagging node", Duration.ofSeconds(30),
        () -> now.firstRetained() > lagEnd);
    assertTrue(cluster.node(keeper).firstRetained() <= lagEnd, "the keeper keeps the lagging node's place");
    long target = now.chosenBelow();
    cluster.faults.heal();
    ReplicatedLog back = cluster.start(lag);
    waitFor("the lagging node to catch up from the keeper", Duration.ofSeconds(60),
        () -> back.chosenBelow() >= target || back.snapshotNeeded() != null);
    assertNull(back.snapshotNeeded(), "it needed no snapshot: node " + keeper + " keeps what it lacks");
    hold.close();
    cluster.halt(lag);
  }

  /** Completed proposals below what every node retains can no longer be checked against a log. */
  private List<LogRecord.Chosen> withRetained(List<LogRecord.Chosen> log) {
    long firstKept = log.get(0).instance();
    cluster.completed.keySet().removeIf(p -> p.instance() < firstKept);
    return log;
  }

  @Test
  void aNodeWithACorruptedLogRefusesToStart() throws Exception {
    cluster = new ReplogCluster(dir, 3, 0).startAll();
    ReplicatedLog leader = cluster.leader();
    cluster.proposeAll(leader, "x", 200);
    int victim = leader.nodeId() == 1 ? 2 : 1;
    waitFor("victim has everything", Duration.ofSeconds(20),
        () -> cluster.node(victim).chosenBelow() == leader.chosenBelow());
    String where = cluster.node(victim).storage().locate(cluster.node(victim).chosenBelow() - 1);
    cluster.halt(victim);
    int at = where.lastIndexOf('@');
    try (RandomAccessFile f = new RandomAccessFile(where.substring(0, at), "rw")) {
      f.seek(Long.parseLong(where.substring(at + 1)) + 12);
      int b = f.read();
      f.seek(Long.parseLong(where.substring(at + 1)) + 12);
      f.write(b ^ 0x40);
    }
    AssertionError e = assertThrows(AssertionError.class, () -> cluster.start(victim));
    Throwable cause = e.getCause();
    while (cause != null && !(cause instanceof LogCorruptedException)) {
      cause = cause.getCause();
    }
    assertTrue(cause != null && cause.getMessage().contains(where.substring(0, at)), String.valueOf(e.getCause()));
  }
}
