package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.cli.Main;
import io.paxosql.config.SecretNames;
import io.paxosql.node.admin.AdminServerTest;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.paxosql.testing.TableAtGtid;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Three real nodes: the write path through Paxos, failover with fencing, and a full restart. */
// three nodes with real mariadbd start per test and a full-cluster crash restarts them all: up to 54 s seen,
// several times that under load.
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ClusterIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ClusterIntegrationTest.class);
  private ClusterHarness cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private int bootstrap() throws Exception {
    cluster = new ClusterHarness(3);
    return cluster.bootstrap("CREATE DATABASE app",
        "CREATE TABLE app.t (id BIGINT PRIMARY KEY, client INT, v VARCHAR(64))");
  }

  /**
   * Every node's MariaDB reaches the master's position and holds the same table there, with every
   * acknowledged row. Each node's table is read in a snapshot at exactly that position: a replica shows
   * a GTID in gtid_binlog_pos before it commits the transaction, so a checksum taken as soon as the
   * positions match could differ although nothing diverged (issue 12; see {@link TableAtGtid}).
   */
  private void assertConverged(Set<Long> acknowledged) throws Exception {
    String target;
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    try (Connection m = cluster.direct(master)) {
      target = Sql.queryString(m, "SELECT @@gtid_binlog_pos");
    }
    List<TableAtGtid> tables = new ArrayList<>();
    for (int node = 1; node <= cluster.size(); node++) {
      try (Connection c = cluster.direct(node)) {
        TableAtGtid table = TableAtGtid.read(c, "app.t", target, Duration.ofSeconds(60));
        tables.add(table);
        Set<Long> ids = new HashSet<>();
        table.rows().forEach(row -> ids.add(Long.parseLong(row.substring(0, row.indexOf(',')))));
        for (long id : acknowledged) {
          assertTrue(ids.contains(id), "acknowledged row " + id + " missing on node " + node + " at " + target);
        }
      }
    }
    if (tables.stream().map(TableAtGtid::checksum).distinct().count() != 1) {
      throw new AssertionError("checksums differ at " + target + ": "
          + tables.stream().map(TableAtGtid::checksum).toList() + "; " + describe(tables));
    }
  }

  /** Per node: the whole GTID state, the row count, and rows only it holds (for a divergence report). */
  private String describe(List<TableAtGtid> tables) throws SQLException {
    StringBuilder sb = new StringBuilder();
    for (int id = 1; id <= cluster.size(); id++) {
      try (Connection c = cluster.direct(id)) {
        sb.append("node ").append(id).append(": ").append(tables.get(id - 1).rows().size())
            .append(" rows, gtid_binlog_state ").append(Sql.queryString(c, "SELECT @@gtid_binlog_state")).append("; ");
      }
    }
    for (int id = 1; id <= cluster.size(); id++) {
      Set<String> only = new TreeSet<>(tables.get(id - 1).rows());
      for (int other = 1; other <= cluster.size(); other++) {
        if (other != id) {
          only.removeAll(tables.get(other - 1).rows());
        }
      }
      if (!only.isEmpty()) {
        sb.append("rows only on node ").append(id).append(": ").append(only.stream().limit(10).toList()).append("; ");
      }
    }
    return sb.toString();
  }

  /** Runs {@code clients} writers through different nodes' RW ports; returns the ids that got OK. */
  private Set<Long> write(int clients, int rowsEach, long base) throws Exception {
    Set<Long> ok = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      final int client = c;
      done.add(pool.submit(() -> {
        for (int i = 0; i < rowsEach; i++) {
          long id = base + client * 100_000L + i;
          try {
            // "no master" comes during the handshake, before the statement is sent: retrying is safe.
            cluster.execRw(1 + client % cluster.size(),
                "INSERT INTO app.t VALUES (" + id + ", " + client + ", 'v" + i + "')", Duration.ofSeconds(15));
            ok.add(id);
          } catch (SQLException e) {
            // Not acknowledged: the row may or may not exist, but must not be required.
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(300, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return ok;
  }

  @Test
  void writesThroughEveryNodeReachOneMasterAndAllReplicasConverge() throws Exception {
    int first = bootstrap();
    double proposalsBefore = metric(first, "paxosql_replog_proposals_total");
    Set<Long> ok = write(8, 25, 0);
    assertEquals(200, ok.size(), "every write through a healthy cluster is acknowledged");
    assertConverged(ok);
    if (cluster.master().orElse(-1) == first) {
      assertTrue(metric(first, "paxosql_replog_proposals_total") >= proposalsBefore + 200, "proposal counter moved");
      assertTrue(metric(first, "paxosql_capture_ack_latency_seconds_count") >= 200, "ACK latency recorded");
    }

    // The admin CLI against the real nodes: status, a second init, a wrong member list, step-down.
    String admin = "127.0.0.1:" + cluster.configs.get(1).ports().admin();
    Admin status = admin("--node", admin, "--json", "status");
    assertEquals(0, status.code(), status.err());
    int master = new JsonObject(status.out()).getInteger("master");
    String members = String.join(",", cluster.node(1).expectedMembers());
    String token = SecretNames.adminToken(cluster.configs.get(1).dataDir()).toString();
    Admin again = admin("--node", admin, "--token-file", token, "init", "--members", members);
    assertEquals(1, again.code());
    assertTrue(again.err().contains("already initialised"), again.err());
    Admin wrong = admin("--node", admin, "--token-file", token, "init", "--members",
        "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3");
    assertEquals(1, wrong.code());
    assertTrue(wrong.err().contains("does not match this node's configured members"), wrong.err());
    Admin notMaster = admin("--node", "127.0.0.1:" + cluster.configs.get(master == 1 ? 1 : 0).ports().admin(),
        "--token-file", token, "step-down");
    assertEquals(1, notMaster.code());
    assertTrue(notMaster.err().contains("is not the master"), notMaster.err());

    long epoch = cluster.node(master).chain().state().epoch();
    Admin stepDown = admin("--config", cluster.configFiles.get(master - 1).toString(), "step-down");
    assertEquals(0, stepDown.code(), stepDown.err());
    Retry.waitFor("a master of a new epoch after step-down", Duration.ofSeconds(30), () -> cluster.master()
        .filter(m -> cluster.node(m).chain().state().epoch() > epoch && cluster.node(m).chain().state().masterNode() == m)
        .isPresent());
    ok.addAll(write(2, 5, 3_000_000));
    assertConverged(ok);
  }

  /** Sums a metric's samples from a node's /metrics, after checking every line is Prometheus text. */
  private double metric(int node, String name) throws Exception {
    var resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + cluster.configs.get(node - 1).ports().admin() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, resp.statusCode());
    double sum = 0;
    for (String line : resp.body().split("\n")) {
      assertTrue(line.isEmpty() || line.startsWith("#")
          || AdminServerTest.SAMPLE.matcher(line).matches(), "not Prometheus text: " + line);
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private record Admin(int code, String out, String err) {}

  private static Admin admin(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "admin";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Admin(code, out.toString(), err.toString());
  }

  @Test
  void masterCrashFailsOverWithoutLosingAcknowledgedCommits() throws Exception {
    failoverLoop(3);
  }

  @Test
  @Tag("slow")
  void tenMasterCrashesInARow() throws Exception {
    failoverLoop(10);
  }

  /**
   * Kills the master node (its JVM part and its mariadbd) {@code kills} times under a running
   * writer, restarting each victim; every acknowledged write must survive on every node.
   */
  private void failoverLoop(int kills) throws Exception {
    bootstrap();
    Set<Long> ok = ConcurrentHashMap.newKeySet();
    ok.addAll(write(4, 10, 0));
    List<Long> times = new ArrayList<>();
    for (int k = 1; k <= kills; k++) {
      int master = cluster.awaitMaster(Duration.ofSeconds(60));
      int survivor = master % 3 + 1;
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicLong lastOk = new AtomicLong();
      AtomicLong firstOkAfter = new AtomicLong();
      AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
      final long base = k * 10_000_000L;
      Thread writer = new Thread(() -> {
        long id = base;
        while (writing.get()) {
          try (Connection c = cluster.rw(survivor)) {
            Sql.exec(c, "INSERT INTO app.t VALUES (" + id + ", 0, 'loop')");
            ok.add(id);
            long now = System.nanoTime();
            if (now < killedAt.get()) {
              lastOk.set(now);
            } else if (firstOkAfter.get() == 0) {
              firstOkAfter.set(now);
            }
          } catch (SQLException e) {
            // not acknowledged; the writer keeps trying as an application would
          }
          id++;
        }
      });
      writer.start();
      Retry.waitFor("the writer's first OK", Duration.ofSeconds(30), () -> lastOk.get() != 0);
      killedAt.set(System.nanoTime());
      cluster.crash(master);
      Retry.waitFor("a write acknowledged after the kill", Duration.ofSeconds(30), () -> firstOkAfter.get() != 0);
      writing.set(false);
      writer.join();
      long ms = TimeUnit.NANOSECONDS.toMillis(firstOkAfter.get() - lastOk.get());
      times.add(ms);
      log.info("failover {} of {}: node {} killed; last OK before -> first OK after: {} ms", k, kills, master, ms);
      cluster.start(master);
    }
    List<Long> sorted = times.stream().sorted().toList();
    log.info("failover times over {} kills (ms): {}; median {}, max {}", kills, times, sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() - 1));
    assertConverged(ok);
  }

  @Test
  void fullClusterCrashRecoversByItself() throws Exception {
    bootstrap();
    Set<Long> ok = write(4, 10, 0);
    for (int id = 1; id <= 3; id++) {
      cluster.crash(id);
    }
    cluster.startAll();
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    ok.addAll(write(2, 5, 2_000_000));
    assertConverged(ok);
    assertStatusPageShowsMaster(cluster.awaitMaster(Duration.ofSeconds(30)));
  }

  /** The admin status page, rendered by headless Chromium; the screenshot stays in target/ as an artifact. */
  private void assertStatusPageShowsMaster(int master) throws Exception {
    String url = "http://127.0.0.1:" + cluster.configs.get(0).ports().admin() + "/";
    Path profile = Files.createTempDirectory("chromium-");
    List<String> common = List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--virtual-time-budget=4000", "--window-size=1100,700");
    List<String> dump = new ArrayList<>(common);
    dump.addAll(List.of("--dump-dom", url));
    Process p = new ProcessBuilder(dump).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertTrue(dom.contains("id=\"master\" class=\"master\">node " + master + "<"),
        "the page names node " + master + " as master: " + dom);
    Path shot = Path.of("target", "status-page.png").toAbsolutePath();
    List<String> screenshot = new ArrayList<>(common);
    screenshot.addAll(List.of("--screenshot=" + shot, url));
    Process s = new ProcessBuilder(screenshot).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(s.waitFor(60, TimeUnit.SECONDS));
    assertTrue(Files.size(shot) > 10_000, "screenshot written to " + shot);
  }

  private static String chromium() {
    for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new AssertionError("headless Chromium is not installed: run `make deps` (apt-get install chromium)");
  }
}
