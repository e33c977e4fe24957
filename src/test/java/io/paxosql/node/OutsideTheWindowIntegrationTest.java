package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.ClusterHarness.Cli;
import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.testing.Retry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Members that need history retention has deleted everywhere, on real nodes and MariaDB with a 1 MiB log
 * window: a joiner added after the log's start was deleted starts its log and chain at the donor's chain
 * checkpoint (it could not replay from instance 0), and a member that was down while the others wrote past its
 * window is rebuilt from a backup when it returns (mariadb.autoRebuild; old datadir and log moved aside). Each
 * ends with every acknowledged row.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class OutsideTheWindowIntegrationTest {
  private static final String SMALL_WINDOW = ClusterRows.logWindow(1 << 20, 100);
  /** 20 KB rows: 4 MB of log, past the 1 MiB window plus its 256 KiB roll files, in few round trips. */
  private static final int ROW_BYTES = 20_000;
  /** Closed after each test by JUnit. */
  @AutoClose private ClusterHarness cluster;

  @Test
  void aJoinerAfterRetentionDeletedTheLogsStartIsSeededAtTheCheckpointAndHasEveryRow() throws Exception {
    cluster = new ClusterHarness(4, SMALL_WINDOW, id -> id <= 3 ? List.of(1, 2, 3) : List.of(1, 2, 3, 4));
    for (int id = 1; id <= 3; id++) {
      cluster.start(id);
    }
    assertTrue(cluster.init().getBoolean("initialised", false));
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    rows().create(master, "MEDIUMTEXT");
    Set<Integer> acked = new HashSet<>();
    insert(master, 0, 200, acked);
    awaitLogStartDeleted(List.of(1, 2, 3));

    cluster.start(4);
    Cli added = cluster.addMember(master, 4, 180);
    assertEquals(0, added.code(), added.text() + "\n" + logFacts(1, 2, 3, 4));
    Retry.waitFor("node 4 a voting FOLLOWER", Duration.ofSeconds(90),
        () -> "FOLLOWER".equals(cluster.node(4).localStatus().getString("role"))
            && "voting".equals(cluster.node(4).localStatus().getString("membership")));
    var joinerLog = cluster.node(4).replicatedLog();
    assertTrue(joinerLog.firstRetained() > 0, "node 4's log starts at the donor's checkpoint, not at 0: "
        + joinerLog.firstRetained());
    assertTrue(Files.exists(cluster.configs.get(3).dataDir().resolve(ChainCheckpointFile.NAME)));
    master = cluster.awaitMaster(Duration.ofSeconds(60));
    insert(master, 200, 20, acked);
    assertEveryAckedRowEverywhere(List.of(1, 2, 3, 4), acked);
  }

  @Test
  void aMemberDownWhileTheOthersWrotePastItsWindowIsRebuiltFromABackupOnReturn() throws Exception {
    cluster = new ClusterHarness(3, SMALL_WINDOW);
    int master = cluster.bootstrap(rows().schema("MEDIUMTEXT"));
    Set<Integer> acked = new HashSet<>();
    insert(master, 0, 10, acked);
    int victim = master % 3 + 1;
    assertEveryAckedRowEverywhere(List.of(1, 2, 3), acked);
    // Nothing is written meanwhile; a few no-ops of a leader change at most: the margin covers them.
    long victimEnd = cluster.node(victim).replicatedLog().chosenBelow() + 10;
    cluster.stop(victim);
    master = cluster.awaitMaster(Duration.ofSeconds(60));
    insert(master, 10, 200, acked);
    List<Integer> others = new ArrayList<>(List.of(1, 2, 3));
    others.remove((Integer) victim);
    for (int id : others) {
      Retry.until("node " + id + " deleted what node " + victim + " lacks", Duration.ofSeconds(120), () -> {
        var rl = cluster.node(id).replicatedLog();
        if (rl.firstRetained() <= victimEnd) {
          throw new IllegalStateException("node " + id + "'s log starts at " + rl.firstRetained() + ", node " + victim
              + "'s ends at " + victimEnd + "; retention: " + rl.retentionDecision());
        }
        return rl.firstRetained();
      });
    }

    cluster.start(victim);
    var seed = cluster.node(victim).localStatus().getJsonObject("seed");
    assertTrue(seed.getString("reason", "").contains("outside the retention window"), seed.encode());
    assertTrue(others.contains(seed.getInteger("donor")), seed.encode());
    Path base = cluster.configs.get(victim - 1).dataDir();
    assertTrue(asides(base.resolve("mariadb"), "data.aside-") == 1, "the old datadir was moved aside");
    // Its log is started over at the donor's checkpoint (the old one moved aside) unless it caught up past the
    // checkpoint while the backup streamed: a leader's core still holds recent values in memory after the disk
    // deleted them, and teaches them to a voting member.
    var rl = cluster.node(victim).replicatedLog();
    assertTrue(asides(base, "paxos.aside-") == 1 ? rl.firstRetained() > victimEnd : rl.firstRetained() <= victimEnd,
        "log [" + rl.firstRetained() + ", " + rl.chosenBelow() + ")");
    Retry.waitFor("node " + victim + " a FOLLOWER", Duration.ofSeconds(90),
        () -> "FOLLOWER".equals(cluster.node(victim).localStatus().getString("role")));
    master = cluster.awaitMaster(Duration.ofSeconds(60));
    insert(master, 210, 10, acked);
    assertEveryAckedRowEverywhere(List.of(1, 2, 3), acked);
  }

  @Test
  void aRunningMemberCutOffWhileTheOthersWrotePastItsWindowRebuildsItselfWithoutARestart() throws Exception {
    cluster = new ClusterHarness(3, SMALL_WINDOW);
    int master = cluster.bootstrap("CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v MEDIUMTEXT)");
    Set<Integer> acked = new HashSet<>();
    insert(master, 0, 10, acked);
    int victim = master % 3 + 1;
    assertEveryAckedRowEverywhere(List.of(1, 2, 3), acked);
    ClusterNode running = cluster.node(victim);
    long victimEnd = running.replicatedLog().chosenBelow() + 10;
    List<Integer> others = new ArrayList<>(List.of(1, 2, 3));
    others.remove((Integer) victim);
    // Cut off while it runs: no Paxos, no catch-up to or from it (its admin port still answers).
    cluster.faults.isolate(victim, List.of(1, 2, 3));
    master = awaitMasterAmong(others);
    insert(master, 10, 200, acked);
    awaitDeletedBelow(others, victim, victimEnd);
    assertTrue(running.replicatedLog().chosenBelow() <= victimEnd, "the cut-off node learnt nothing meanwhile");

    cluster.faults.heal();
    Retry.until("node " + victim + " rebuilt itself while running", Duration.ofSeconds(240), () -> {
      var s = cluster.node(victim).localStatus();
      var seed = s.getJsonObject("seed");
      if (!seed.getString("reason", "").contains("outside the retention window while running")
          || !"DONE".equals(seed.getString("phase")) || !"FOLLOWER".equals(s.getString("role"))) {
        throw new IllegalStateException("role " + s.getString("role") + ", seed " + seed.encode() + "\n"
            + logFacts(1, 2, 3));
      }
      return seed;
    });
    assertSame(running, cluster.node(victim), "the same running node, not a restarted one");
    Path base = cluster.configs.get(victim - 1).dataDir();
    assertEquals(1, asides(base.resolve("mariadb"), "data.aside-"), "the old datadir was moved aside");
    assertEquals(1, asides(base, "paxos.aside-"), "the old log was moved aside");
    var rl = running.replicatedLog();
    assertTrue(rl.firstRetained() > victimEnd, "its log starts at the donor's checkpoint: [" + rl.firstRetained()
        + ", " + rl.chosenBelow() + ")");
    assertNull(running.needsRebuild().orElse(null));
    master = cluster.awaitMaster(Duration.ofSeconds(60));
    insert(master, 210, 10, acked);
    assertEveryAckedRowEverywhere(List.of(1, 2, 3), acked);
  }

  // ---- helpers ------------------------------------------------------------------------------------------

  private int awaitMasterAmong(List<Integer> ids) {
    return Retry.until("a master among nodes " + ids, Duration.ofSeconds(90), () -> {
      int m = cluster.awaitMaster(Duration.ofSeconds(60));
      if (!ids.contains(m)) {
        throw new IllegalStateException("node " + m + " is the master");
      }
      return m;
    });
  }

  /** Each of {@code nodes} deleted its log below {@code end}, where node {@code victim}'s log ends. */
  private void awaitDeletedBelow(List<Integer> nodes, int victim, long end) {
    for (int id : nodes) {
      Retry.until("node " + id + " deleted what node " + victim + " lacks", Duration.ofSeconds(120), () -> {
        var rl = cluster.node(id).replicatedLog();
        if (rl.firstRetained() <= end) {
          throw new IllegalStateException("node " + id + "'s log starts at " + rl.firstRetained() + ", node " + victim
              + "'s ends at " + end + "; retention: " + rl.retentionDecision());
        }
        return rl.firstRetained();
      });
    }
  }

  private static long asides(Path dir, String prefix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).count();
    }
  }

  /** Where each node's log starts and ends, and why a node cannot catch up, for a failure's message. */
  private String logFacts(int... ids) {
    StringBuilder b = new StringBuilder();
    for (int id : ids) {
      var s = cluster.node(id).localStatus();
      b.append("node ").append(id).append(": log [").append(s.getLong("logFirstRetained")).append(", ")
          .append(s.getLong("chosenBelow")).append("), ").append(s.getString("chainCheckpoint")).append(", needsRebuild ")
          .append(s.getString("needsRebuild")).append(", retention ").append(s.getString("retention")).append('\n');
    }
    return b.toString();
  }

  /** Writes rows {@code [from, from + count)} of 20 KB each through node {@code via}'s RW port, retrying each. */
  private void insert(int via, int from, int count, Set<Integer> acked) throws Exception {
    rows().write(via, from, count, "x".repeat(ROW_BYTES), acked);
  }

  /** Every node's retention has deleted the beginning of its log (and it stands on a chain checkpoint). */
  private void awaitLogStartDeleted(List<Integer> nodes) {
    for (int id : nodes) {
      Retry.until("node " + id + " deleted its log's beginning", Duration.ofSeconds(120), () -> {
        var rl = cluster.node(id).replicatedLog();
        if (rl.firstRetained() <= 0) {
          throw new IllegalStateException("node " + id + "'s log starts at " + rl.firstRetained() + " of "
              + rl.chosenBelow() + "; retention: " + rl.retentionDecision());
        }
        return rl.firstRetained();
      });
    }
  }

  /** Every acknowledged id is on every node listed, and they all hold the same table. */
  private void assertEveryAckedRowEverywhere(List<Integer> nodes, Set<Integer> acked) {
    rows().checksumEverywhere(nodes, acked);
  }

  /** The test's table, {@code app.t}. */
  private ClusterRows rows() {
    return new ClusterRows(cluster, "app");
  }
}
