package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.cli.Main;
import io.paxosql.config.SecretNames;
import io.paxosql.config.NodeConfigLoader;
import io.paxosql.node.mariadb.MariaDbConfig;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.node.seed.MariaDbSeeder;
import io.paxosql.testing.FreePorts;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.seed.DonorHolds;
import io.paxosql.node.seed.RememberedDonorFile;
import io.paxosql.node.seed.SeedPhase;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.paxosql.testing.TableAtGtid;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeding and rebuilding a member's MariaDB from another member's backup, with real nodes and real
 * mariadbd/mariadb-backup: a wiped member re-seeds itself at start, a diverged follower rebuilds itself
 * (its old datadir kept aside), and a donor that dies mid-stream leaves no half-built member.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class SeedingIntegrationTest {
  private ClusterHarness cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private int bootstrap() throws Exception {
    return cluster.bootstrap("CREATE DATABASE app",
        "CREATE TABLE app.t (id BIGINT PRIMARY KEY, v VARCHAR(200))");
  }

  private void insert(int via, long from, int count) throws Exception {
    for (long id = from; id < from + count; id++) {
      cluster.execRw(via, "INSERT INTO app.t VALUES (" + id + ", REPEAT('x', 150))", Duration.ofSeconds(30));
    }
  }

  /** Every node's app.t at the master's position: same checksum and row count everywhere. */
  private void assertConverged(int expectedRows) throws Exception {
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    String target;
    try (Connection m = cluster.direct(master)) {
      target = Sql.queryString(m, "SELECT @@gtid_binlog_pos");
    }
    List<TableAtGtid> tables = new ArrayList<>();
    for (int id = 1; id <= cluster.size(); id++) {
      try (Connection c = cluster.direct(id)) {
        tables.add(TableAtGtid.read(c, "app.t", target, Duration.ofSeconds(120)));
      }
    }
    for (int id = 1; id <= cluster.size(); id++) {
      assertEquals(expectedRows, tables.get(id - 1).rows().size(), "rows on node " + id + " at " + target);
    }
    assertEquals(1, tables.stream().map(TableAtGtid::checksum).distinct().count(),
        "CHECKSUM TABLE app.t differs at " + target + ": " + tables.stream().map(TableAtGtid::checksum).toList());
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private Path mariadbBase(int id) {
    return cluster.configs.get(id - 1).dataDir().resolve("mariadb");
  }

  @Test
  void memberWipedWhileDownIsSeededFromABackupAndRejoins() throws Exception {
    cluster = new ClusterHarness(3);
    bootstrap();
    insert(1, 0, 100);
    int victim = cluster.master().orElseThrow() % 3 + 1;
    cluster.stop(victim);
    deleteTree(cluster.configs.get(victim - 1).dataDir());
    // The operator puts the cluster's shared admin token (and, here, the harness's root password) back.
    cluster.layout.writeSharedSecrets(cluster.dir);
    insert(victim % 3 + 1, 1000, 50);

    cluster.start(victim);
    JsonObject seed = cluster.node(victim).localStatus().getJsonObject("seed");
    assertTrue(seed.getInteger("donor") > 0 && seed.getInteger("donor") != victim, seed.encode());
    assertTrue(seed.getLong("bytes") > 1_000_000, "a whole datadir was streamed: " + seed.encode());
    assertFalse(Files.exists(mariadbBase(victim).resolve("seed-staging")), "the staging dir became the datadir");
    assertTrue(cluster.node(victim).initialised(), "the init marker came with the backup");
    insert(victim, 2000, 20);
    assertConverged(170);
    Retry.waitFor("the seed marked DONE", Duration.ofSeconds(60),
        () -> cluster.node(victim).seeding().progress().phase() == SeedPhase.DONE);
    assertTrue(metric(victim, "paxosql_seed_bytes") > 1_000_000, "seed bytes in /metrics");
    // Once DONE, the joiner tells its donor, which releases the log it held for the backup (not minutes later).
    int donor = seed.getInteger("donor");
    Retry.waitFor("node " + donor + " releases its log hold once node " + victim + " caught up", Duration.ofSeconds(60),
        () -> cluster.node(donor).replicatedLog().holds().list().isEmpty());
    assertEquals(1, cluster.node(donor).seeding().donorHolds().ended(DonorHolds.Ending.CAUGHT_UP), "counted as caught up");
    assertEquals(1.0, metric(donor, "paxosql_seed_holds_ended_total"), "one hold ended, in /metrics");
  }

  /**
   * A joiner that restarts after its backup was installed but before it told its donor it caught up still tells
   * it after the restart (it remembers the donor in its data dir), so the donor's log hold ends by "caught-up",
   * not by the 2-hour timeout. The joiner's link to its donor is cut from the moment the donor awaits the notice
   * (the backup's stream goes on), so the notice cannot get through before the restart; the joiner crashes as
   * soon as its start completes (seed installed, MariaDB running from it), and its link is healed before it
   * starts again.
   */
  @Test
  void aJoinerRestartedBeforeItToldItsDonorTellsItAfterTheRestart() throws Exception {
    cluster = new ClusterHarness(3);
    bootstrap();
    insert(1, 0, 50);
    int victim = cluster.master().orElseThrow() % 3 + 1;
    cluster.stop(victim);
    deleteTree(cluster.configs.get(victim - 1).dataDir());
    cluster.layout.writeSharedSecrets(cluster.dir);
    insert(victim % 3 + 1, 1000, 20);

    AtomicBoolean watching = new AtomicBoolean(true);
    CompletableFuture<Integer> cut = CompletableFuture.supplyAsync(() -> {
      while (watching.get()) {
        for (int id = 1; id <= 3; id++) {
          ClusterNode n = id == victim ? null : cluster.node(id);
          if (n != null && n.seeding().donorHolds().waiting().stream().anyMatch(p -> p.joiner() == victim)) {
            cluster.faults.partition(List.of(victim), List.of(id));
            return id;
          }
        }
        try {
          TimeUnit.MILLISECONDS.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return -1;
        }
      }
      return -1;
    });
    try {
      cluster.start(victim);
    } finally {
      watching.set(false);
    }
    int donor = cut.get(10, TimeUnit.SECONDS);
    assertTrue(donor > 0, "a donor awaited node " + victim + "'s notice while it started");
    cluster.crash(victim);
    assertEquals(0, cluster.node(donor).seeding().donorHolds().ended(DonorHolds.Ending.CAUGHT_UP),
        "the notice could not reach node " + donor + " before the restart");
    assertEquals(List.of(victim), cluster.node(donor).seeding().donorHolds().waiting().stream()
        .map(DonorHolds.Pending::joiner).toList(), "node " + donor + " still holds its log for node " + victim);
    cluster.faults.heal();

    cluster.start(victim);
    Retry.waitFor("node " + donor + " releases its log hold, told by node " + victim + " after its restart",
        Duration.ofSeconds(90), () -> cluster.node(donor).seeding().donorHolds().ended(DonorHolds.Ending.CAUGHT_UP) == 1);
    assertTrue(cluster.node(donor).seeding().donorHolds().waiting().isEmpty(), "no hold left waiting");
    assertEquals(0, cluster.node(donor).seeding().donorHolds().ended(DonorHolds.Ending.TIMED_OUT));
    assertEquals(1.0, metric(donor, "paxosql_seed_holds_ended_total{how=\"caught-up\""),
        "counted as caught up in /metrics");
    Retry.waitFor("node " + donor + "'s retention hold closed", Duration.ofSeconds(10),
        () -> cluster.node(donor).replicatedLog().holds().list().isEmpty());
    Path remembered = cluster.configs.get(victim - 1).dataDir().resolve(RememberedDonorFile.NAME);
    Retry.waitFor("node " + victim + " forgets the donor it told", Duration.ofSeconds(10),
        () -> !Files.exists(remembered));
    assertTrue(cluster.node(victim).seeding().progress().toJson(System.nanoTime()).getString("reason")
        .contains("restarted while catching up from node " + donor), "status says why it caught up again");
    insert(victim, 2000, 10);
    assertConverged(80);
  }

  /**
   * The master as donor, under a writer: the other follower's MariaDB is down (it still votes), so the wiped
   * member's only donor is the master, whose MariaDB holds commits still waiting for their ACK while the backup
   * is taken. The master sends the backup only once everything in it was chosen; the joiner's MariaDB starts
   * from it and converges with the master, every acknowledged row included.
   */
  @Test
  @Tag("slow")
  void aMemberSeededFromTheMasterUnderAWriterStartsAndConverges() throws Exception {
    cluster = new ClusterHarness(3);
    bootstrap();
    insert(1, 0, 50);
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    int victim = master % 3 + 1;
    int other = 6 - master - victim;
    cluster.stop(victim);
    deleteTree(cluster.configs.get(victim - 1).dataDir());
    cluster.layout.writeSharedSecrets(cluster.dir);
    cluster.node(other).mariadb().server().kill();
    Retry.waitFor("node " + other + " reports its MariaDB down", Duration.ofSeconds(30),
        () -> !cluster.node(other).localStatus().getBoolean("mariadbRunning"));
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Long> acked = new CopyOnWriteArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    Thread writer = new Thread(() -> {
      Connection c = null;
      for (long id = 10_000; writing.get(); id++) {
        try {
          if (c == null) {
            c = cluster.rw(master);
          }
          try (Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO app.t VALUES (" + id + ", REPEAT('w', 150))");
          }
          acked.add(id);
        } catch (SQLException e) {
          errors.add(e.getMessage());
          try {
            if (c != null) {
              c.close();
            }
          } catch (SQLException ignored) {
            // the connection is gone already
          }
          c = null;
        }
      }
      try {
        if (c != null) {
          c.close();
        }
      } catch (SQLException ignored) {
        // closing at the end
      }
    }, "master-writer");
    writer.start();
    try {
      Retry.waitFor("the writer under way", Duration.ofSeconds(30), () -> acked.size() >= 20);
      cluster.start(victim);
      JsonObject seed = cluster.node(victim).localStatus().getJsonObject("seed");
      assertEquals(master, seed.getInteger("donor"), "the master was the only donor: " + seed.encode());
      Retry.waitFor("more writes after the joiner started", Duration.ofSeconds(30), () -> acked.size() >= 40);
    } finally {
      writing.set(false);
      writer.join(60_000);
    }
    assertTrue(acked.size() >= 40, "acknowledged " + acked.size() + ", errors " + errors);
    // Node `other` gets its MariaDB back by a restart; then all three hold every acknowledged row.
    cluster.stop(other);
    cluster.start(other);
    int now = cluster.awaitMaster(Duration.ofSeconds(60));
    long rows;
    try (Connection c = cluster.direct(now)) {
      // A write whose connection broke after its commit is in the table though not acknowledged.
      rows = Long.parseLong(Sql.queryString(c, "SELECT COUNT(*) FROM app.t"));
      for (long id : acked) {
        assertEquals("1", Sql.queryString(c, "SELECT COUNT(*) FROM app.t WHERE id = " + id), "acknowledged id " + id);
      }
    }
    assertConverged((int) rows);
  }

  @Test
  void divergedFollowerIsRebuiltAutomaticallyAndItsOldDatadirKeptAside() throws Exception {
    cluster = new ClusterHarness(3);
    bootstrap();
    insert(1, 0, 50);
    int follower = cluster.master().orElseThrow() % 3 + 1;
    try (Connection c = cluster.direct(follower)) {
      // root bypasses read_only: a local write the cluster never chose.
      Sql.exec(c, "INSERT INTO app.t VALUES (999999, 'local only')");
    }
    Retry.waitFor("node " + follower + " diverged", Duration.ofSeconds(60),
        () -> cluster.node(follower).role() == NodeRole.DIVERGED);
    Retry.waitFor("node " + follower + " rebuilt and FOLLOWER again", Duration.ofSeconds(180),
        () -> cluster.node(follower).role() == NodeRole.FOLLOWER
            && cluster.node(follower).seeding().progress().phase().ordinal() >= SeedPhase.CATCHING_UP.ordinal());
    String aside = cluster.node(follower).seeding().progress().toJson(System.nanoTime()).getString("movedAside");
    assertTrue(aside.contains("data.aside-") && Files.isDirectory(Path.of(aside).resolve("mysql")),
        "old datadir kept aside: " + aside);
    insert(1, 100, 20);
    assertConverged(70);
    try (Connection c = cluster.direct(follower)) {
      assertNull(Sql.queryString(c, "SELECT v FROM app.t WHERE id = 999999"), "the local write is gone");
    }
  }

  @Test
  void donorDyingMidStreamLeavesNoHalfBuiltMemberAndAnotherDonorFinishes() throws Exception {
    cluster = new ClusterHarness(3);
    // Donors limited to 20 I/O operations a second (mariadb-backup --throttle; each file costs at least
    // one), so the stream of a small datadir lasts long enough to kill its donor mid-way.
    for (int i = 0; i < 3; i++) {
      Path f = cluster.configFiles.get(i);
      Files.writeString(f, Files.readString(f).replace("mariadb: { port: ", "mariadb: { backupThrottle: 20, port: "));
      cluster.configs.set(i, NodeConfigLoader.load(f));
    }
    bootstrap();
    insert(1, 0, 30);
    int master = cluster.master().orElseThrow();
    int victim = master % 3 + 1;
    int donor = 6 - master - victim;
    cluster.stop(victim);
    deleteTree(cluster.configs.get(victim - 1).dataDir());
    // The operator puts the cluster's shared admin token (and, here, the harness's root password) back.
    cluster.layout.writeSharedSecrets(cluster.dir);

    CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
      try {
        cluster.start(victim);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Retry.waitFor("node " + donor + " streaming a backup", Duration.ofSeconds(120), () -> {
      JsonObject d = cluster.node(donor).localStatus().getJsonObject("donor");
      return d != null && "STREAMING".equals(d.getString("phase")) && d.getLong("bytes") > 0;
    });
    cluster.crash(donor);
    started.get(300, TimeUnit.SECONDS);
    List<String> errors = cluster.node(victim).seeding().progress().errors();
    assertTrue(errors.stream().anyMatch(e -> e.contains("seeding from node " + donor + " failed")),
        "the failed donor is named: " + errors);
    assertEquals(master, cluster.node(victim).seeding().progress().toJson(System.nanoTime()).getInteger("donor"),
        "the other member finished the seed");
    assertFalse(Files.exists(mariadbBase(victim).resolve("seed-staging")), "no half-built copy left");
    cluster.start(donor);
    insert(1, 100, 10);
    assertConverged(40);
  }

  @Test
  void adminBackupWritesAPreparedFollowerBackupAndANewClusterStartsFromIt() throws Exception {
    cluster = new ClusterHarness(3);
    bootstrap();
    insert(1, 0, 40);
    Path out = cluster.dir.resolve("operator-backup");
    String admin = "127.0.0.1:" + cluster.configs.get(0).ports().admin();
    String tokenFile = SecretNames.adminToken(cluster.configs.get(0).dataDir()).toString();
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code = Main.execute(new PrintWriter(stdout, true), new PrintWriter(stderr, true), "admin", "--node", admin,
        "--token-file", tokenFile, "--json", "backup", "--out", out.toString());
    assertEquals(0, code, stderr.toString());
    JsonObject meta = new JsonObject(Files.readString(out.resolve(MariaDbSeeder.BACKUP_META)));
    int master = cluster.master().orElseThrow();
    assertTrue(meta.getInteger("donor") != master, "a follower donated: " + meta.encode());
    String masterGtid;
    long masterChecksum;
    try (Connection m = cluster.direct(master)) {
      masterGtid = Sql.queryString(m, "SELECT @@gtid_binlog_pos");
      masterChecksum = checksum(m);
    }
    assertEquals(masterGtid, meta.getString("gtid"), "the backup names the GTID it matches");

    // A bad directory is refused, naming it.
    int again = Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(stderr, true), "admin",
        "--node", admin, "--token-file", tokenFile, "backup", "--out", out.toString());
    assertEquals(1, again);
    assertTrue(stderr.toString().contains("is not an empty directory"), stderr.toString());

    // init --from-backup places it on every member of a new cluster (before their first start).
    ClusterHarness fresh = new ClusterHarness(3);
    try {
      for (int id = 1; id <= 3; id++) {
        StringWriter placed = new StringWriter();
        int rc = Main.execute(new PrintWriter(placed, true), new PrintWriter(stderr, true), "init", "--from-backup",
            out.toString(), "--config", fresh.configFiles.get(id - 1).toString());
        assertEquals(0, rc, stderr.toString());
        assertTrue(placed.toString().contains(masterGtid), placed.toString());
      }
      StringWriter refused = new StringWriter();
      assertEquals(1, Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(refused, true), "init",
          "--from-backup", out.toString(), "--config", fresh.configFiles.get(0).toString()));
      assertTrue(refused.toString().contains("already holds"), refused.toString());
      restoreWithPlainMariaDb(out, masterChecksum);
      cluster.close();
      cluster = fresh;
      fresh = null;
    } finally {
      if (fresh != null) {
        fresh.close();
      }
    }
    // The new cluster continues from the backup: its 40 rows, then new writes, on every member.
    cluster.startInitialised();
    insert(1, 100, 10);
    assertConverged(50);
  }

  /** The backup is a datadir: a plain mariadbd runs on it and holds the same table. */
  private void restoreWithPlainMariaDb(Path out, long masterChecksum) throws Exception {
    Path base = cluster.dir.resolve("restored");
    Files.createDirectories(base);
    Files.move(out, base.resolve("data"));
    MariaDbServer restored = new MariaDbServer(MariaDbConfig.builder(base, FreePorts.next(), 99).build());
    try {
      restored.start();
      // It carries the donor's accounts: root's password is the cluster's (the harness shares one).
      try (Connection c = Sql.connect(restored.port(), "root", cluster.layout.rootPassword())) {
        assertEquals(40, Sql.queryLong(c, "SELECT COUNT(*) FROM app.t"));
        assertEquals(masterChecksum, checksum(c), "CHECKSUM TABLE of the restored backup");
      }
    } finally {
      restored.kill();
    }
  }

  private static long checksum(Connection c) throws Exception {
    try (var rs = c.createStatement().executeQuery("CHECKSUM TABLE app.t")) {
      rs.next();
      return rs.getLong(2);
    }
  }

  private double metric(int node, String name) throws Exception {
    HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + cluster.configs.get(node - 1).ports().admin() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    double sum = 0;
    for (String line : resp.body().split("\n")) {
      // A name ending in a label's start ({how="x") matches the lines carrying that label first.
      if (line.startsWith(name + "{") || line.startsWith(name + " ") || (name.contains("{") && line.startsWith(name))) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
