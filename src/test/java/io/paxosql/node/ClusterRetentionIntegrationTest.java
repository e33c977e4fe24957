package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.node.role.NodeRole;
import io.paxosql.testing.Retry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three real nodes with retention on and a small window: after writing three times log.retainBytes, every
 * node's log stays under the bound plus one roll file, each node stands on a chain checkpoint, and a node
 * restarted from its checkpoint (its log's beginning long deleted) replays only the log after it and serves
 * again with every row.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ClusterRetentionIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ClusterRetentionIntegrationTest.class);
  private static final long RETAIN = 1L << 20;
  /** NodeWiring's roll size for this bound (its floor, 256 KiB). */
  private static final long ROLL = 256L << 10;
  private static final int ROWS = 1_600;
  /** log.checkpointEvery of this test's nodes. */
  private static final long EVERY = 100;
  /** Closed after each test by JUnit. */
  @AutoClose private ClusterHarness cluster;

  @Test
  void everyLogStaysWithinItsBoundAndARestartReadsFromTheCheckpoint() throws Exception {
    cluster = new ClusterHarness(3, ClusterRows.logWindow(RETAIN, EVERY));
    int master = cluster.bootstrap(new ClusterRows(cluster, "app").schema("TEXT"));
    String filler = "x".repeat(2_000);
    try (Connection c = cluster.rw(master);
         PreparedStatement ps = c.prepareStatement("INSERT INTO app.t VALUES (?, ?)")) {
      for (int i = 0; i < ROWS; i++) {
        ps.setInt(1, i);
        ps.setString(2, filler);
        ps.executeUpdate();
      }
    }
    for (int id = 1; id <= 3; id++) {
      int n = id;
      Retry.until("node " + n + "'s log within its bound", Duration.ofSeconds(90), () -> {
        var rl = cluster.node(n).replicatedLog();
        long held = rl.storage().heldBytes();
        if (held > RETAIN + ROLL) {
          throw new IllegalStateException("node " + n + " holds " + held + " bytes in " + rl.storage().files().size()
              + " files; retention: " + rl.retentionDecision());
        }
        return held;
      });
      var rl = cluster.node(n).replicatedLog();
      long apparent = 0;
      for (Path f : rl.storage().files()) {
        apparent += Files.size(f);
      }
      log.info("node {}: log holds {} bytes of entries in {} files ({} bytes as the files' length), first retained {}"
              + " of {}; {}", n, rl.storage().heldBytes(), rl.storage().files().size(), apparent, rl.firstRetained(),
          rl.chosenBelow(), rl.retentionDecision());
      assertTrue(rl.firstRetained() > 0, "node " + n + " deleted the beginning of its log");
      assertTrue(Files.exists(cluster.configs.get(n - 1).dataDir().resolve(ChainCheckpointFile.NAME)));
    }
    // A follower restarts from its checkpoint: its log no longer starts at 0, and the restart replays only the
    // log after the checkpoint, however long the history (work counted in values read, not wall time).
    int follower = master == 1 ? 2 : 1;
    long history = Retry.until("node " + follower + " stands on a recent checkpoint", Duration.ofSeconds(60), () -> {
      ClusterNode n = cluster.node(follower);
      long end = n.replicatedLog().chosenBelow();
      long at = n.chain().base().orElseThrow().next().instance();
      if (end - at > 2 * EVERY) {
        throw new IllegalStateException("checkpoint at " + at + " of " + end);
      }
      return end;
    });
    cluster.stop(follower);
    cluster.start(follower);
    Retry.until("node " + follower + " follows again", Duration.ofSeconds(120), () -> {
      if (cluster.node(follower).role() != NodeRole.FOLLOWER) {
        throw new IllegalStateException("role " + cluster.node(follower).role());
      }
      return true;
    });
    try (Connection c = cluster.rw(master)) {
      c.createStatement().execute("INSERT INTO app.t VALUES (" + ROWS + ", 'after the restart')");
    }
    Retry.until("node " + follower + " has every row", Duration.ofSeconds(60), () -> {
      try (Connection c = cluster.direct(follower);
           ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM app.t")) {
        rs.next();
        if (rs.getInt(1) != ROWS + 1) {
          throw new IllegalStateException(rs.getInt(1) + " rows");
        }
        return true;
      }
    });
    // Read once it has every row: its chain replayed what it needed by then (later values arrive live).
    long replayed = cluster.node(follower).replicatedLog().valuesReplayedFromDisk();
    log.info("node {} restarted after {} chosen values: it replayed {} from its disk (checkpoint every {})", follower,
        history, replayed, EVERY);
    assertTrue(history > 10 * EVERY, "a long history: " + history);
    assertTrue(replayed <= 2 * EVERY, "the restart replayed " + replayed + " values of " + history
        + "; only those after the checkpoint should be read");
  }
}
