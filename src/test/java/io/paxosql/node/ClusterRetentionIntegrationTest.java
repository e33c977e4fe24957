package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.ClusterHarness.Cli;
import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.node.role.NodeRole;
import io.paxosql.testing.DiskBlocks;
import io.paxosql.testing.LogDirectoryBound;
import io.paxosql.testing.Retry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real nodes with retention on and a small window, their log started a little below instance 2^32 (the
 * node's test-only start, {@link NodeWiring#TEST_FIRST_INSTANCE}), so that one cluster covers a log that
 * lives long enough for its ids to outgrow 32 bits:
 * <ol>
 *   <li>after writing three times log.retainBytes, every node's log stays under the bound plus one roll file,
 *       in bytes of entries and in blocks on disk (see {@link LogDirectoryBound}), and each node stands on a
 *       chain checkpoint (all of it still below 2^32);</li>
 *   <li>under a writer, 3 → 4 → 3 voting members by add-member and remove-member, and the log crosses 2^32
 *       meanwhile: the ids are below it before add-member and above it before remove-member;</li>
 *   <li>the joiner's donor releases the log it held for the joiner's backup once the joiner says it caught up
 *       (not minutes later), and retention then deletes every file below 2^32 on every member, the joiner and
 *       its donor included;</li>
 *   <li>a follower restarted from its checkpoint (above 2^32, its log's beginning long deleted) replays only
 *       the log after it and serves again with every row.</li>
 * </ol>
 * Every acknowledged write is on every member, with one CHECKSUM TABLE.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ClusterRetentionIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ClusterRetentionIntegrationTest.class);
  private static final long RETAIN = 1L << 20;
  /** NodeWiring's roll size for this bound (its floor, 256 KiB). */
  private static final long ROLL = 256L << 10;
  /** log.checkpointEvery of this test's nodes. */
  private static final long EVERY = 100;
  private static final long TWO_TO_32 = 1L << 32;
  /**
   * Where the cluster's log starts: below 2^32 by the schema and three times RETAIN of 2 KB rows, one value each
   * (their log entries, Accepted and Chosen records with the transaction's binlog, take some 9 KB a row).
   */
  private static final long FIRST = TWO_TO_32 - 1_750;
  /**
   * The bulk writes stop this close below 2^32, less than the Paxos window (alpha, 64), so a membership change
   * chosen before the crossing takes effect above it; the writer then crosses it during the changes.
   */
  private static final long SHORT_OF = 60;
  /** Rows of the bulk writes between two looks at the log's end. */
  private static final int CHUNK = 10;
  private static final String FILLER = "x".repeat(2_000);

  private ClusterHarness cluster;
  private final AtomicBoolean writing = new AtomicBoolean(true);

  @AfterEach
  void tearDown() {
    writing.set(false);
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      System.clearProperty(NodeWiring.TEST_FIRST_INSTANCE);
    }
  }

  @Test
  void logsStayBoundedAcross2To32ThroughMembershipChangesAndARestartReadsFromTheCheckpoint() throws Exception {
    // Every member runs in this JVM and so reads the same start, as they must (it is the first value's id).
    System.setProperty(NodeWiring.TEST_FIRST_INSTANCE, Long.toString(FIRST));
    cluster = new ClusterHarness(4, ClusterRows.logWindow(RETAIN, EVERY),
        id -> id <= 3 ? List.of(1, 2, 3) : List.of(1, 2, 3, 4));
    ClusterRows bulk = new ClusterRows(cluster, "app");
    ClusterRows small = new ClusterRows(cluster, "m");
    List<String> schema = new ArrayList<>(List.of(bulk.schema("TEXT")));
    schema.addAll(List.of(small.schema("INT")));
    int master = cluster.bootstrapFirst(3, schema.toArray(String[]::new));
    for (int id = 1; id <= 3; id++) {
      assertEquals(FIRST, cluster.node(id).replicatedLog().firstRetained(), "node " + id + "'s log starts at the"
          + " test's first instance");
    }

    // 1. Bulk writes up to just below 2^32: three times the window, deleted by retention as it goes.
    Set<Integer> bulkAcked = ConcurrentHashMap.newKeySet();
    int written = 0;
    while (chosenBelow(1, 2, 3) < TWO_TO_32 - SHORT_OF - CHUNK) {
      assertTrue(written < 4_000, "the log reached only " + chosenBelow(1, 2, 3) + " after " + written + " rows");
      bulk.write(master, written, CHUNK, FILLER, bulkAcked);
      written += CHUNK;
    }
    log.info("{} rows of {} bytes took the log from {} to {}", written, FILLER.length(), FIRST, chosenBelow(1, 2, 3));
    assertTrue((long) written * FILLER.length() >= 3 * RETAIN, "wrote three times the window: " + written + " rows");
    for (int id = 1; id <= 3; id++) {
      assertWithinBound(id);
      var rl = cluster.node(id).replicatedLog();
      assertTrue(rl.firstRetained() > FIRST, "node " + id + " deleted the beginning of its log");
      assertTrue(Files.exists(cluster.configs.get(id - 1).dataDir().resolve(ChainCheckpointFile.NAME)));
    }

    // 2. Under a writer, 3 -> 4 -> 3; the log crosses 2^32 between the add and the remove.
    cluster.start(4);
    long beforeAdd = chosenBelow(1, 2, 3);
    assertTrue(beforeAdd < TWO_TO_32, "below 2^32 before add-member: " + beforeAdd);
    Set<Long> acked = ConcurrentHashMap.newKeySet();
    AtomicLong longestGapMs = new AtomicLong();
    // Through node 4's RW port once it votes (it stays to the end; any founding member may leave).
    AtomicInteger writeVia = new AtomicInteger(master);
    Thread writer = small.startWriter(writeVia::get, writing::get, acked, longestGapMs);
    master = cluster.awaitMaster(Duration.ofSeconds(60));
    Cli added = cluster.addMember(master, 4, 240);
    assertEquals(0, added.code(), added.text());
    // The member node 4's backup came from (its hold may be gone already: node 4 votes only once caught up).
    int donor = cluster.node(4).seeding().progress().toJson(System.nanoTime()).getInteger("donor");
    assertTrue(donor >= 1 && donor <= 3, "node 4 was seeded by a founder: " + donor);
    Retry.waitFor("node 4 a voting FOLLOWER", Duration.ofSeconds(60),
        () -> cluster.node(4).role() == NodeRole.FOLLOWER
            && cluster.node(4).replicatedLog().votingMembers().equals(Set.of(1, 2, 3, 4)));
    // Its donor holds the log at node 4's backup until node 4 says it caught up (SeedServer), not for minutes.
    Retry.waitFor("node 4's donor (node " + donor + ") releases its hold once node 4 caught up",
        Duration.ofSeconds(120), () -> seedDonor(4) == 0);
    writeVia.set(4);
    long afterAdd = chosenBelow(1, 2, 3, 4);
    long joinedAt = cluster.node(4).replicatedLog().firstRetained();
    long beforeRemove = Retry.until("the writer takes the log past 2^32", Duration.ofSeconds(120), () -> {
      long end = chosenBelow(1, 2, 3, 4);
      if (end <= TWO_TO_32 + 10) {
        throw new IllegalStateException("the log ends at " + end + " (" + acked.size() + " writes acknowledged)");
      }
      return end;
    });
    Retry.waitFor("node 4 holds the log past 2^32", Duration.ofSeconds(60),
        () -> cluster.node(4).replicatedLog().chosenBelow() > TWO_TO_32);
    // Where each member holds the last value below 2^32, for the retention check below.
    Map<Integer, Path> lastBelow = new HashMap<>();
    for (int id = 1; id <= 4; id++) {
      String at = cluster.node(id).replicatedLog().storage().locate(TWO_TO_32 - 1);
      if (at != null) {
        lastBelow.put(id, Path.of(at.substring(0, at.lastIndexOf('@'))));
      }
    }
    master = cluster.awaitMaster(Duration.ofSeconds(60));
    // A founder that is neither the master (it would need --force) nor node 4's donor leaves: the donor stays,
    // holding nothing for node 4 any more, so its retention is checked below 2^32 like every other member's.
    final int m = master;
    int leaving = List.of(2, 3, 1).stream().filter(id -> id != m && id != donor).findFirst().orElseThrow();
    Cli removed = cluster.admin(master, "remove-member", "--id", String.valueOf(leaving));
    assertEquals(0, removed.code(), removed.text());
    Set<Integer> remaining = new TreeSet<>(Set.of(1, 2, 3, 4));
    remaining.remove(leaving);
    Retry.waitFor("node " + leaving + " knows it was removed", Duration.ofSeconds(60),
        () -> cluster.node(leaving).removed());
    cluster.crash(leaving);
    long afterRemove = chosenBelow(remaining);
    log.info("log ends: {} before add-member, {} after it (node 4's log started at {}, seeded by node {}), {} before"
        + " remove-member of node {}, {} after it; 2^32 = {}", beforeAdd, afterAdd, joinedAt, donor, beforeRemove,
        leaving, afterRemove, TWO_TO_32);
    assertEquals(remaining, cluster.node(remaining.iterator().next()).replicatedLog().votingMembers());
    long acknowledged = acked.size();
    Retry.waitFor("the writer goes on after the changes", Duration.ofSeconds(60),
        () -> acked.size() > acknowledged + 20);
    writing.set(false);
    writer.join(30_000);
    small.checksumEverywhere(remaining, acked);

    // 3. Retention deletes every file below 2^32 on each member, node 4's donor included.
    Set<Integer> checked = new TreeSet<>(remaining);
    assertEquals(3, checked.size(), "retention is checked on the joiner and both founders that stayed: " + checked);
    for (int round = 0; !logsStartingAtOrBelow(checked, TWO_TO_32).isEmpty(); round++) {
      assertTrue(round < 60, "after " + round * 5 * CHUNK + " more rows, logs still reach below 2^32: "
          + logsStartingAtOrBelow(checked, TWO_TO_32));
      bulk.write(4, 100_000 + round * 5 * CHUNK, 5 * CHUNK, FILLER, bulkAcked);
    }
    for (int id : checked) {
      assertWithinBound(id);
      Path file = lastBelow.get(id);
      assertTrue(file == null || !Files.exists(file), "node " + id + " deleted " + file + ", which held 2^32 - 1");
    }
    assertFalse(lastBelow.isEmpty(), "some member held the last value below 2^32 while the log crossed it");

    // 4. A follower restarts from its checkpoint, now above 2^32: it replays only the log after it.
    master = cluster.awaitMaster(Duration.ofSeconds(60));
    int follower = master != 4 ? 4 : remaining.stream().filter(id -> id != 4).findFirst().orElseThrow();
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
    Retry.waitFor("node " + follower + " follows again", Duration.ofSeconds(120),
        () -> cluster.node(follower).role() == NodeRole.FOLLOWER);
    long checkpoint = cluster.node(follower).chain().base().orElseThrow().next().instance();
    bulk.write(master, 200_000, 1, "after the restart", bulkAcked);
    bulk.checksumEverywhere(remaining, bulkAcked);
    // Read once it has every row: its chain replayed what it needed by then (later values arrive live).
    long replayed = cluster.node(follower).replicatedLog().valuesReplayedFromDisk();
    log.info("node {} restarted after {} chosen values (its checkpoint at {}): it replayed {} from its disk (checkpoint"
        + " every {}); writer: {} acknowledged, longest wait {} ms", follower, history - FIRST, checkpoint, replayed,
        EVERY, acked.size(), longestGapMs.get());
    assertTrue(checkpoint > TWO_TO_32, "the restart stood on a checkpoint above 2^32: " + checkpoint);
    assertTrue(history - FIRST > 10 * EVERY, "a long history: " + (history - FIRST));
    assertTrue(replayed <= 2 * EVERY, "the restart replayed " + replayed + " values of " + (history - FIRST)
        + "; only those after the checkpoint should be read");
  }

  /** The end of the log as far as the running nodes among {@code ids} know it. */
  private long chosenBelow(int... ids) {
    long end = 0;
    for (int id : ids) {
      if (cluster.node(id) != null) {
        end = Math.max(end, cluster.node(id).replicatedLog().chosenBelow());
      }
    }
    return end;
  }

  private long chosenBelow(Set<Integer> ids) {
    return chosenBelow(ids.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The member holding its log for seeding node {@code joiner} (SeedServer's retention hold), or 0. */
  private int seedDonor(int joiner) {
    for (int id = 1; id <= cluster.size(); id++) {
      if (id != joiner && cluster.node(id) != null && cluster.node(id).replicatedLog().holds().list().stream()
          .anyMatch(h -> h.reason().equals("seeding node " + joiner))) {
        return id;
      }
    }
    return 0;
  }

  /** The members among {@code ids} whose log still starts at or below {@code instance}, and why. */
  private List<String> logsStartingAtOrBelow(Set<Integer> ids, long instance) {
    List<String> behind = new ArrayList<>();
    for (int id : ids) {
      var rl = cluster.node(id).replicatedLog();
      if (rl.firstRetained() <= instance) {
        behind.add("node " + id + " from " + rl.firstRetained() + " (" + rl.retentionDecision() + ")");
      }
    }
    return behind;
  }

  /**
   * Node {@code id}'s log holds at most the window plus one roll file, waiting for retention to run: in bytes of
   * entries (what retention counts) and on disk (its directory's allocated blocks, with Chronicle's own files and
   * per-file headers and index arrays as {@link LogDirectoryBound} names them).
   */
  private void assertWithinBound(int id) {
    Path dir = LogDirectoryBound.paxosDir(cluster.configs.get(id - 1).dataDir());
    DiskBlocks.Usage disk = Retry.until("node " + id + "'s log within its bound", Duration.ofSeconds(90), () -> {
      var rl = cluster.node(id).replicatedLog();
      long held = rl.storage().heldBytes();
      if (held > RETAIN + ROLL) {
        throw new IllegalStateException("node " + id + " holds " + held + " bytes in " + rl.storage().files().size()
            + " files; retention: " + rl.retentionDecision());
      }
      DiskBlocks.Usage u = DiskBlocks.of(dir);
      String over = LogDirectoryBound.of(u, RETAIN, ROLL).violation(u);
      if (over != null) {
        throw new IllegalStateException("node " + id + ": " + over + "; its log holds " + held + " B of entries;"
            + " retention: " + rl.retentionDecision());
      }
      return u;
    });
    var rl = cluster.node(id).replicatedLog();
    log.info("node {}: log holds {} bytes of entries in {} files, first retained {} of {}; on disk {} B (bound {} B);"
        + " {}", id, rl.storage().heldBytes(), rl.storage().files().size(), rl.firstRetained(), rl.chosenBelow(),
        disk.allocatedBytes(), LogDirectoryBound.of(disk, RETAIN, ROLL).bytes(), rl.retentionDecision());
  }
}
