package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.ClusterHarness.Cli;
import io.paxosql.testing.Retry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 3 → 4 → 3 voting members by the admin commands, under a running writer, on real nodes and MariaDB:
 * node 4 joins (its config lists only node 1 and itself), node 2 was down meanwhile and comes back with
 * its outdated list, then a founding member is removed. No acknowledged write is lost, every member
 * ends with the same CHECKSUM TABLE, the writer never waits longer than a failover. Each refusal of the
 * commands is checked on the way, and that it left nothing half-added behind.
 */
class MembershipIntegrationTest {
  private static final Duration FAILOVER = Duration.ofSeconds(10);
  private ClusterHarness cluster;
  private ClusterRows rows;
  private final AtomicBoolean writing = new AtomicBoolean(true);
  /** The node whose RW port the writer uses (it moves off a node that is about to leave). */
  private final AtomicInteger writeVia = new AtomicInteger(1);

  @AfterEach
  void tearDown() {
    writing.set(false);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void threeToFourToThreeUnderAWriter() throws Exception {
    // Nodes 1-3 found the cluster; node 4 lists only node 1 and itself; node 5 lists everyone.
    cluster = new ClusterHarness(5, id -> id <= 3 ? List.of(1, 2, 3) : id == 4 ? List.of(1, 4) : List.of(1, 2, 3, 5));
    for (int id = 1; id <= 3; id++) {
      cluster.start(id);
    }
    JsonObject init = cluster.init();
    assertTrue(init.getBoolean("initialised", false), init.encode());
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    rows = new ClusterRows(cluster, "m");
    rows.create(1, "INT");

    Set<Long> acked = ConcurrentHashMap.newKeySet();
    AtomicLong longestGapMs = new AtomicLong();
    Thread writer = rows.startWriter(writeVia::get, writing::get, acked, longestGapMs);

    // Refusals while 3 vote: removing one would leave 2; the master without --force; an id in use.
    assertRefused("too-few-voters", cluster.admin(master, "remove-member", "--id", String.valueOf(other(master, 0))));
    assertRefused("id-in-use", addCli(master, 2));
    // Node 5 is not running: unreachable.
    assertRefused("unreachable", addCli(master, 5));
    assertNoTraceOf(5, 1, 2, 3);

    // Node 2 goes down (if it is the master, another takes over first).
    int down = master == 2 ? 3 : 2;
    cluster.stop(down);
    master = cluster.awaitMaster(Duration.ofSeconds(60));

    // 3 -> 4: node 4 joins, from a member list that names node 1 only.
    cluster.start(4);
    // Cut off from the members' logs, it cannot catch up: the add times out and is rolled back.
    cluster.faults.isolate(4, List.of(1, 2, 3, 4, 5));
    Cli failed = cluster.addMember(1, 4, 5);
    assertEquals(1, failed.code(), failed.text());
    assertTrue(failed.err().contains("did not catch up") && failed.err().contains("rolled back"), failed.text());
    assertTrue(failed.err().contains("what to do:") && failed.err().contains("Paxos ports"),
        "a rolled-back add says what to do: " + failed.text());
    assertNoTraceOf(4, 1, 2, 3);
    cluster.faults.heal();
    Cli added = addCli(1, 4);
    assertEquals(0, added.code(), added.text());
    assertTrue(added.out().contains("catching-up") || added.out().contains("voting"), added.text());
    assertEquals(Set.of(1, 2, 3, 4), voting(cluster.node(1)));
    Retry.waitFor("node 4 a voting FOLLOWER", Duration.ofSeconds(60),
        () -> "FOLLOWER".equals(cluster.node(4).localStatus().getString("role"))
            && "voting".equals(cluster.node(4).localStatus().getString("membership")));

    // The node that was down comes back with its outdated list and no memory of node 4's address.
    Files.deleteIfExists(cluster.configs.get(down - 1).dataDir().resolve(MemberDirectory.FILE));
    cluster.start(down);
    Retry.waitFor("node " + down + " learns node 4's address and votes with it", Duration.ofSeconds(90),
        () -> cluster.node(down).directory().member(4).isPresent()
            && voting(cluster.node(down)).equals(Set.of(1, 2, 3, 4))
            && "FOLLOWER".equals(cluster.node(down).role().name()));

    // With 4 voters: removing the master needs --force; a joiner whose data dir was not empty is refused.
    master = cluster.awaitMaster(Duration.ofSeconds(60));
    assertRefused("is-master", cluster.admin(master, "remove-member", "--id", String.valueOf(master)));
    Files.createDirectories(cluster.configs.get(4).dataDir());
    Files.writeString(cluster.configs.get(4).dataDir().resolve("leftover"), "from another life");
    cluster.start(5);
    assertRefused("not-joinable", addCli(master, 5));
    assertNoTraceOf(5, 1, 2, 3, 4);
    cluster.crash(5);

    // 4 -> 3: a founding member that is not the master leaves.
    int leaving = master == 2 ? 3 : 2;
    Cli removed = cluster.admin(1, "remove-member", "--id", String.valueOf(leaving));
    assertEquals(0, removed.code(), removed.text());
    Set<Integer> remaining = new TreeSet<>(Set.of(1, 2, 3, 4));
    remaining.remove(leaving);
    assertEquals(remaining, voting(cluster.node(master)));
    Retry.waitFor("node " + leaving + " knows it was removed", Duration.ofSeconds(30),
        () -> cluster.node(leaving).removed());
    assertTrue(cluster.node(leaving).localStatus().getString("removedReason").contains("removed"));
    assertFalse(cluster.node(master).directory().member(leaving).isPresent(), "the master dropped its address");

    // The writer kept going through all of it.
    long before = acked.size();
    Retry.waitFor("the writer goes on after the changes", Duration.ofSeconds(30), () -> acked.size() > before + 20);
    writing.set(false);
    writer.join(30_000);
    assertTrue(longestGapMs.get() < FAILOVER.toMillis(), "the writer waited " + longestGapMs.get() + " ms");
    String expected = rows.checksumEverywhere(remaining, acked);
    assertFalse(expected.isEmpty());
    System.out.printf("membership 3-4-3: %d writes acknowledged, longest wait %d ms%n", acked.size(), longestGapMs.get());
  }

  /**
   * The whole sequence 3 → 4 → 5 → 4 → 3 under a writer: two nodes join, a founding follower leaves, then
   * the master itself is removed with --force (one failover). Slow: five real MariaDB servers.
   */
  @Test
  @Tag("slow")
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void threeToFiveAndBackToThree() throws Exception {
    cluster = new ClusterHarness(5, id -> id <= 3 ? List.of(1, 2, 3) : List.of(1, 2, 3, id));
    for (int id = 1; id <= 3; id++) {
      cluster.start(id);
    }
    assertTrue(cluster.init().getBoolean("initialised", false));
    cluster.awaitMaster(Duration.ofSeconds(60));
    rows = new ClusterRows(cluster, "m");
    rows.create(1, "INT");
    Set<Long> acked = ConcurrentHashMap.newKeySet();
    AtomicLong longestGapMs = new AtomicLong();
    Thread writer = rows.startWriter(writeVia::get, writing::get, acked, longestGapMs);

    for (int id : List.of(4, 5)) {
      cluster.start(id);
      Cli added = addCli(1, id);
      assertEquals(0, added.code(), added.text());
    }
    assertEquals(Set.of(1, 2, 3, 4, 5), voting(cluster.node(1)));
    writeVia.set(4); // node 4 stays to the end

    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    int follower = master == 2 ? 3 : 2;
    if (master >= 4) {
      cluster.node(master).stepDown();
      master = Retry.until("a founding master", Duration.ofSeconds(60), () -> {
        int m = cluster.awaitMaster(Duration.ofSeconds(30));
        if (m >= 4) {
          throw new IllegalStateException("node " + m + " leads again");
        }
        return m;
      });
      follower = master == 2 ? 3 : 2;
    }
    Cli removed = cluster.admin(4, "remove-member", "--id", String.valueOf(follower));
    assertEquals(0, removed.code(), removed.text());
    Cli forced = cluster.admin(4, "remove-member", "--id", String.valueOf(master), "--force");
    assertEquals(0, forced.code(), forced.text());
    Set<Integer> remaining = new TreeSet<>(Set.of(1, 2, 3, 4, 5));
    remaining.remove(follower);
    remaining.remove(master);
    int oldMaster = master;
    Retry.waitFor("a new master among " + remaining, Duration.ofSeconds(60),
        () -> cluster.master().filter(remaining::contains).isPresent());
    Retry.waitFor("the old master knows it was removed", Duration.ofSeconds(60), () -> cluster.node(oldMaster).removed());
    assertEquals(remaining, voting(cluster.node(4)));

    long before = acked.size();
    Retry.waitFor("the writer goes on", Duration.ofSeconds(60), () -> acked.size() > before + 20);
    writing.set(false);
    writer.join(30_000);
    assertTrue(longestGapMs.get() < FAILOVER.toMillis(), "the writer waited " + longestGapMs.get() + " ms");
    rows.checksumEverywhere(remaining, acked);
    System.out.printf("membership 3-5-3: %d writes acknowledged, longest wait %d ms%n", acked.size(), longestGapMs.get());
  }

  // ---- the commands -----------------------------------------------------------------------------------

  /** An add-member with time for the joiner to catch up under load. */
  private Cli addCli(int via, int id) {
    return cluster.addMember(via, id, 240);
  }

  private static void assertRefused(String code, Cli c) {
    assertEquals(1, c.code(), c.text());
    assertTrue(c.err().contains("error (" + code + ")"), c.text());
    assertTrue(c.err().contains("what to do:"), "a refusal says what to do: " + c.text());
  }

  private void assertNoTraceOf(int id, int... members) {
    for (int m : members) {
      ClusterNode n = cluster.node(m);
      if (n == null) {
        continue;
      }
      assertFalse(n.replicatedLog().latestMembers().contains(id), "node " + id + " is no member on node " + m);
      assertFalse(n.directory().member(id).isPresent() && m != id, "node " + m + " keeps no address of node " + id);
    }
  }

  private static Set<Integer> voting(ClusterNode n) {
    JsonArray v = n.membership().getJsonArray("voting");
    Set<Integer> out = new TreeSet<>();
    v.forEach(x -> out.add(((Number) x).intValue()));
    return out;
  }

  /** The k-th of the founding members 1-3 that is not {@code master}. */
  private static int other(int master, int k) {
    List<Integer> others = new ArrayList<>(List.of(1, 2, 3));
    others.remove((Integer) master);
    return others.get(k);
  }
}
