package io.paxosql.node;

import io.paxosql.cli.Main;
import io.paxosql.config.NodeConfig;
import io.paxosql.config.NodeConfigLoader;
import io.paxosql.config.SecretNames;
import io.paxosql.node.role.NodeRole;
import io.paxosql.proxy.MasterRoute;
import io.paxosql.testing.ClusterLayout;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Retry;
import io.paxosql.transport.FaultInjector;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
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
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * A real cluster in one JVM for tests: each member its own Vert.x instance, real mariadbd, real
 * Chronicle files and real gRPC on loopback, configs written as YAML files in a temp dir. Faults
 * between members go through one shared {@link FaultInjector}.
 */
final class ClusterHarness implements AutoCloseable {
  final Path dir;
  final FaultInjector faults = new FaultInjector();
  final List<Path> configFiles = new ArrayList<>();
  final List<NodeConfig> configs = new ArrayList<>();
  private final ClusterNode[] nodes;
  private final Vertx[] vertxes;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  final ClusterLayout layout;

  ClusterHarness(int size) throws Exception {
    this(size, "");
  }

  /** @param extraYaml config lines every node gets besides the defaults (e.g. a {@code log:} section) */
  ClusterHarness(int size, String extraYaml) throws Exception {
    this(size, extraYaml, id -> IntStream.rangeClosed(1, size).boxed().toList());
  }

  /** @param listed the members node {@code id}'s config lists (a joiner lists the existing members and itself) */
  ClusterHarness(int size, IntFunction<List<Integer>> listed) throws Exception {
    this(size, "", listed);
  }

  ClusterHarness(int size, String extraYaml, IntFunction<List<Integer>> listed) throws Exception {
    this(size, extraYaml, listed, "");
  }

  /** @param mariadbOptions extra keys in every node's {@code mariadb:} map (e.g. {@code autoRebuild: false}) */
  ClusterHarness(int size, String extraYaml, IntFunction<List<Integer>> listed, String mariadbOptions)
      throws Exception {
    this(Path.of("/tmp"), size, extraYaml, listed, mariadbOptions);
  }

  /**
   * @param base where the cluster's directory (configs, data dirs: MariaDB and the Paxos logs) is made, e.g.
   *     /dev/shm for a test that writes a lot and does not measure the disk's fsync
   */
  ClusterHarness(Path base, int size, String extraYaml, IntFunction<List<Integer>> listed, String mariadbOptions)
      throws Exception {
    dir = Files.createTempDirectory(base, "pxs-cluster-");
    nodes = new ClusterNode[size];
    vertxes = new Vertx[size];
    layout = ClusterLayout.onFreePorts(size).mariadbOptions(mariadbOptions).writeCerts(dir);
    layout.writeSharedSecrets(dir);
    for (int i = 0; i < size; i++) {
      String yaml = layout.yaml(i + 1, "paxos: { tickMs: 50, electionTicks: 6, leaseTicks: 30, driftMarginTicks: 6 }\n"
          + extraYaml, listed.apply(i + 1));
      Path file = dir.resolve("node" + (i + 1) + ".yaml");
      Files.writeString(file, yaml);
      configFiles.add(file);
      configs.add(NodeConfigLoader.load(file));
    }
  }

  int size() {
    return nodes.length;
  }

  ClusterNode node(int id) {
    return nodes[id - 1];
  }

  void start(int id) throws Exception {
    vertxes[id - 1] = Vertx.vertx();
    nodes[id - 1] = ClusterNode.start(vertxes[id - 1], configs.get(id - 1), configFiles.get(id - 1), faults)
        .await(180, TimeUnit.SECONDS);
  }

  void startAll() throws Exception {
    for (int id = 1; id <= size(); id++) {
      start(id);
    }
  }

  /** kill -9 of the node's JVM part and its mariadbd, as a machine crash would. */
  void crash(int id) throws Exception {
    nodes[id - 1].crash().await(60, TimeUnit.SECONDS);
    vertxes[id - 1].close().await(30, TimeUnit.SECONDS);
    nodes[id - 1] = null;
  }

  void stop(int id) throws Exception {
    nodes[id - 1].stop().await(120, TimeUnit.SECONDS);
    vertxes[id - 1].close().await(30, TimeUnit.SECONDS);
    nodes[id - 1] = null;
  }

  JsonObject init() throws Exception {
    JsonArray members = new JsonArray();
    configs.get(0).members().forEach(m -> members.add(m.host() + ":" + m.paxos()));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + configs.get(0).ports().admin() + "/init")).header("Authorization", "Bearer " + layout.adminToken())
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("members", members).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body());
  }

  /** Starts every node, initialises the cluster and returns the first master's id. */
  int startInitialised() throws Exception {
    return startInitialised(size());
  }

  /**
   * Starts nodes 1..{@code founders} (the others join later, by add-member), initialises the cluster with
   * the members node 1's config lists, and returns the first master's id.
   */
  int startInitialised(int founders) throws Exception {
    for (int id = 1; id <= founders; id++) {
      start(id);
    }
    JsonObject answer = init();
    if (!answer.getBoolean("initialised", false)) {
      throw new AssertionError("init failed: " + answer.encode());
    }
    return awaitMaster(Duration.ofSeconds(60));
  }

  /**
   * The tests' common start: every node started, the cluster initialised, then {@code statements} (the
   * test's schema) run through the master's RW port. Returns the master's id.
   */
  int bootstrap(String... statements) throws Exception {
    return bootstrapFirst(size(), statements);
  }

  /** As {@link #bootstrap}, with only nodes 1..{@code founders} started and initialised. */
  int bootstrapFirst(int founders, String... statements) throws Exception {
    int master = startInitialised(founders);
    for (String sql : statements) {
      execRw(master, sql, Duration.ofSeconds(20));
    }
    awaitRoutesTo(master, Duration.ofSeconds(30));
    return master;
  }

  /**
   * Waits until every running node's RW port routes to {@code master}. A node that campaigned in the same
   * round as the winner learns the new leader only from its first message, so right after the election
   * its RW port may still say "an election is under way" (seen in CI: a test's first RW connection through
   * such a node was refused ~0.7 s after the master took over).
   */
  void awaitRoutesTo(int master, Duration timeout) {
    Retry.until("every node's RW port routes to master " + master, timeout, () -> {
      for (int id = 1; id <= size(); id++) {
        if (nodes[id - 1] == null) {
          continue;
        }
        MasterRoute r = nodes[id - 1].locator().current();
        boolean there = r instanceof MasterRoute.Local l ? id == master
            : r instanceof MasterRoute.Remote remote && remote.nodeId().equals(Integer.toString(master));
        if (!there) {
          throw new IllegalStateException("node " + id + " routes RW to " + r + "; roles " + roles());
        }
      }
      return true;
    });
  }

  /** The id of the node whose role is MASTER, waiting up to {@code timeout}. */
  int awaitMaster(Duration timeout) {
    return Retry.until("a master", timeout,
        () -> master().orElseThrow(() -> new IllegalStateException("no master yet; roles: " + roles())));
  }

  Optional<Integer> master() {
    for (int id = 1; id <= size(); id++) {
      if (nodes[id - 1] != null && nodes[id - 1].role() == NodeRole.MASTER) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }

  List<String> roles() {
    List<String> out = new ArrayList<>();
    for (int id = 1; id <= size(); id++) {
      out.add(id + "=" + (nodes[id - 1] == null ? "down" : nodes[id - 1].role()));
    }
    return out;
  }

  /**
   * Rewrites the node's YAML with {@code proxyLine} (e.g. {@code "proxy: { roConsistency: bounded }"})
   * in place of any earlier proxy line; the node's config watcher picks it up. Written to a temp file
   * and moved, so the watcher never reads half a file.
   */
  void rewriteProxy(int id, String proxyLine) throws IOException {
    Path file = configFiles.get(id - 1);
    StringBuilder out = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      if (!line.startsWith("proxy:")) {
        out.append(line).append('\n');
      }
    }
    out.append(proxyLine).append('\n');
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, out);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** A client of a node's RO port (its own MariaDB, through the proxy). */
  Connection ro(int id) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + configs.get(id - 1).ports().ro()
        + "/?connectTimeout=5000&socketTimeout=30000", "root", layout.rootPassword());
  }

  /** root over a node's RW port: it reaches the master wherever it is. */
  Connection rw(int id) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + configs.get(id - 1).ports().rw()
        + "/?connectTimeout=5000&socketTimeout=30000", "root", layout.rootPassword());
  }

  /**
   * Runs {@code sql} through a node's RW port, retrying while the cluster answers "no master" (an
   * election or a restart in progress), as an application would.
   */
  void execRw(int id, String sql, Duration patience) throws Exception {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      try (Connection c = rw(id)) {
        c.createStatement().execute(sql);
        return;
      } catch (SQLException e) {
        if (!String.valueOf(e.getMessage()).contains("no master") || System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
  }

  /** What a command line run printed, and its exit code. */
  record Cli(int code, String out, String err) {
    String text() {
      return "exit " + code + "\nout: " + out + "\nerr: " + err;
    }
  }

  /** Runs {@code paxosql admin COMMAND...} against node {@code via}'s admin port, with its token. */
  Cli admin(int via, String... command) {
    List<String> args = new ArrayList<>(List.of("admin", "--node", "127.0.0.1:" + configs.get(via - 1).ports().admin(),
        "--token-file", SecretNames.adminToken(configs.get(via - 1).dataDir()).toString()));
    args.addAll(List.of(command));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
    return new Cli(code, out.toString(), err.toString());
  }

  /** {@code admin add-member} of node {@code id}, its ports as its config has them, through node {@code via}. */
  Cli addMember(int via, int id, int timeoutSeconds) {
    var p = configs.get(id - 1).ports();
    return admin(via, "add-member", "--id", String.valueOf(id), "--host", "127.0.0.1", "--paxos",
        String.valueOf(p.paxos()), "--internal", String.valueOf(p.internal()), "--admin", String.valueOf(p.admin()),
        "--timeout-seconds", String.valueOf(timeoutSeconds));
  }

  /** root straight to a node's MariaDB (for checks). */
  Connection direct(int id) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + configs.get(id - 1).mariadb().port() + "/", "root", layout.rootPassword());
  }

  @Override
  public void close() {
    for (int id = 1; id <= size(); id++) {
      if (nodes[id - 1] != null) {
        try {
          crash(id);
        } catch (Exception e) {
          // keep closing the others
        }
      }
    }
    // 300-400 MB a cluster: left behind, a full suite fills the disk. Logs are in the surefire output;
    // -Dpaxosql.keepClusterDirs=true keeps the directories for a look after a failure.
    if (!Boolean.getBoolean("paxosql.keepClusterDirs")) {
      MariaDbServers.deleteTree(dir);
    }
  }
}
