package io.paxosql.cli;

import io.paxosql.config.NodeConfig;
import io.paxosql.config.SecretNames;
import io.paxosql.node.secret.SecretFile;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.mysqlclient.MySQLConnection;
import io.vertx.sqlclient.SqlConnection;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs the demo's node processes, bootstraps them, prints how to connect, then a status line a second. */
final class DemoCluster {
  static final String APP_USER = "app";

  /** Environment variable with further JVM flags for the node processes, separated by blanks. */
  static final String NODE_JAVA_OPTS = "PAXOSQL_NODE_JAVA_OPTS";

  private final List<NodeConfig> configs;
  private final List<Path> files;
  private final PrintWriter out;
  private final PrintWriter err;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final List<Process> processes = new ArrayList<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private String token;

  DemoCluster(List<NodeConfig> configs, List<Path> files, PrintWriter out, PrintWriter err) {
    this.configs = configs;
    this.files = files;
    this.out = out;
    this.err = err;
  }

  int run(long readyTimeoutSeconds) throws Exception {
    Path runDir = configs.get(0).dataDir().getParent();
    Files.createDirectories(runDir);
    token = shareAdminToken();
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopNodes, "demo-stop"));
    for (int i = 0; i < configs.size(); i++) {
      processes.add(startNode(files.get(i), runDir.resolve("node" + configs.get(i).nodeId() + ".log")));
    }
    out.println("started " + configs.size() + " nodes; logs in " + runDir);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(readyTimeoutSeconds);
    for (NodeConfig c : configs) {
      if (awaitStatus(c, deadline).isEmpty()) {
        return failStart("node " + c.nodeId() + " did not answer on its admin port " + c.ports().admin(), runDir);
      }
    }
    NodeConfig first = configs.get(0);
    JsonObject status = awaitStatus(first, deadline).orElseThrow();
    if (!status.getBoolean("initialised", false)) {
      JsonArray members = new JsonArray();
      first.members().forEach(m -> members.add(m.host() + ":" + m.paxos()));
      JsonObject answer = post(first, "/init", new JsonObject().put("members", members));
      if (answer.containsKey("error")) {
        return failStart("init failed: " + answer.getString("message") + " — " + answer.getString("hint"), runDir);
      }
      out.println("initialised cluster '" + first.clusterId() + "' with members " + members.encode());
    }
    Optional<JsonObject> withMaster = awaitMaster(first, deadline);
    if (withMaster.isEmpty()) {
      return failStart("no master was elected within " + readyTimeoutSeconds + " s", runDir);
    }
    String password = appPassword(runDir);
    try {
      createAppAccount(password, deadline);
    } catch (Exception e) {
      return failStart("could not create the application account through the RW port "
          + first.ports().rw() + ": " + e.getMessage(), runDir);
    }
    printHowToConnect(password);
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "demo-status");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(() -> out.println(statusLine()), 0, 1, TimeUnit.SECONDS);
    stopped.await();
    ticker.shutdownNow();
    return 0;
  }

  private Process startNode(Path config, Path logFile) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of("--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx512m",
        // No hsperfdata counters sampled every 50 ms: 0.3 % of a core of an idle node (bench/RESULTS.md).
        "-XX:-UsePerfData"));
    // Further JVM flags for the node processes only (benchmarks compare flags on otherwise equal clusters).
    String extra = System.getenv().getOrDefault(NODE_JAVA_OPTS, "").trim();
    if (!extra.isEmpty()) {
      cmd.addAll(List.of(extra.split("\\s+")));
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "node", "--config",
        config.toString()));
    return new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
  }

  private void stopNodes() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        // A node bounds its own stop (NodeCommand.STOP_BOUND); killing it sooner would crash its MariaDB.
        if (!p.waitFor(NodeCommand.STOP_BOUND.toSeconds() + 30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
    stopped.countDown();
  }

  private int failStart(String why, Path runDir) {
    err.println("demo: " + why + ". See the node logs in " + runDir + " (node<N>.log).");
    for (int i = 0; i < processes.size(); i++) {
      if (!processes.get(i).isAlive()) {
        err.println("node " + configs.get(i).nodeId() + " exited with code " + processes.get(i).exitValue());
      }
    }
    return 1;
  }

  private Optional<JsonObject> awaitStatus(NodeConfig c, long deadline) throws InterruptedException {
    while (System.nanoTime() < deadline) {
      Optional<JsonObject> s = get(c, "/status");
      if (s.isPresent()) {
        return s;
      }
      if (processes.stream().anyMatch(p -> !p.isAlive())) {
        return Optional.empty();
      }
      TimeUnit.MILLISECONDS.sleep(250);
    }
    return Optional.empty();
  }

  private Optional<JsonObject> awaitMaster(NodeConfig c, long deadline) throws InterruptedException {
    while (System.nanoTime() < deadline) {
      Optional<JsonObject> s = get(c, "/status");
      if (s.isPresent() && s.get().getValue("master") != null) {
        return s;
      }
      TimeUnit.MILLISECONDS.sleep(250);
    }
    return Optional.empty();
  }

  private String statusLine() {
    for (NodeConfig c : configs) {
      Optional<JsonObject> s = get(c, "/status");
      if (s.isEmpty()) {
        continue;
      }
      JsonObject st = s.get();
      StringBuilder b = new StringBuilder();
      b.append("master: ").append(st.getValue("master") == null ? "none" : "node " + st.getValue("master"));
      b.append(" | lease ").append(st.getLong("leaseRemainingMs", 0L)).append(" ms");
      b.append(" | epoch ").append(st.getValue("epoch"));
      JsonArray members = st.getJsonArray("members", new JsonArray());
      for (Object o : members) {
        JsonObject m = (JsonObject) o;
        b.append(" | node ").append(m.getValue("id")).append(' ').append(m.getString("role", "?"))
            .append(" lag ").append(m.getValue("lagTransactions"));
      }
      return b.toString();
    }
    return "no node answers on its admin port";
  }

  private void printHowToConnect(String password) {
    out.println();
    out.println("The cluster is up. Connect to any node's RW port (it always reaches the master):");
    for (NodeConfig c : configs) {
      out.println("  mariadb -h127.0.0.1 -P" + c.ports().rw() + " -u" + APP_USER + " -p" + password
          + "      # node " + c.nodeId() + " RW; RO: -P" + c.ports().ro());
    }
    out.println("Admin (the token is in " + SecretNames.adminToken(configs.get(0).dataDir()) + ", the same for "
        + "every demo node):");
    out.println("  java -jar target/paxosql.jar admin --config " + files.get(0) + " status      (or step-down, ...)");
    out.println("MariaDB root is per node: its password is in <dataDir>/" + SecretNames.ROOT_PASSWORD
        + ", e.g. " + SecretNames.rootPassword(configs.get(0).dataDir()) + ".   Stop: Ctrl-C");
    out.println();
  }

  /**
   * Gives every demo node the same admin token (made once, kept in each data dir, mode 0600), so one
   * token file runs admin commands against any node and {@code init} reaches every member in one call.
   * A node keeps a token it already has; the first one found is copied to nodes that have none.
   */
  private String shareAdminToken() {
    Optional<String> existing = configs.stream().map(c -> SecretNames.adminToken(c.dataDir()))
        .filter(Files::exists).findFirst().map(SecretFile::read);
    String shared = existing.orElseGet(() -> SecretFile.random(SecretFile.DEFAULT_BYTES));
    for (NodeConfig c : configs) {
      Path file = SecretNames.adminToken(c.dataDir());
      if (!Files.exists(file)) {
        SecretFile.write(file, shared);
      }
    }
    return shared;
  }

  /**
   * Creates the application account through the RW port, so the master writes it and Paxos carries it
   * to every member. It lacks READ ONLY ADMIN and SUPER: read_only stops it on followers. Root's
   * password is per node: the demo logs in with the current master's, read from its data dir.
   */
  private void createAppAccount(String password, long deadline) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // Any failure may be the cluster settling (an election, "no master" in the handshake, "Access
      // denied" when the master changed after we read its password, a master whose root password file
      // is not written yet, timeouts on a loaded machine): retry as an application would, until the
      // start deadline, and report the last cause.
      Exception last = new IllegalStateException("no node named a master");
      do {
        Optional<NodeConfig> master = masterConfig();
        if (master.isPresent()) {
          try {
            createAppAccountOnce(vertx, master.get(), password);
            return;
          } catch (Exception e) {
            last = e;
          }
        }
        TimeUnit.MILLISECONDS.sleep(250);
      } while (System.nanoTime() < deadline);
      throw last;
    } finally {
      vertx.close();
    }
  }

  /** The config of the node the members' status names as master; empty while none answers with one. */
  private Optional<NodeConfig> masterConfig() {
    for (NodeConfig asked : configs) {
      Object master = get(asked, "/status").map(s -> s.getValue("master")).orElse(null);
      if (master instanceof Number n) {
        return configs.stream().filter(c -> c.nodeId() == n.intValue()).findFirst();
      }
    }
    return Optional.empty();
  }

  private static void createAppAccountOnce(Vertx vertx, NodeConfig c, String password) throws Exception {
    SqlConnection conn = MySQLConnection.connect(vertx,
        new MySQLConnectOptions().setHost("127.0.0.1").setPort(c.ports().rw()).setUser("root")
            .setPassword(SecretFile.read(SecretNames.rootPassword(c.dataDir()))))
        .await(30, TimeUnit.SECONDS);
    try {
      conn.query("CREATE USER IF NOT EXISTS '" + APP_USER + "'@'%' IDENTIFIED BY '" + password + "'").execute()
          .compose(x -> conn.query("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, "
              + "CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, "
              + "ALTER ROUTINE, TRIGGER, REFERENCES ON *.* TO '" + APP_USER + "'@'%'").execute())
          .await(60, TimeUnit.SECONDS);
    } finally {
      conn.close();
    }
  }

  /** The application account's password: made once, kept in run/demo/app-password (mode 600). */
  private static String appPassword(Path runDir) throws IOException {
    Path file = runDir.resolve("app-password");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
    byte[] raw = new byte[12];
    new SecureRandom().nextBytes(raw);
    String password = HexFormat.of().formatHex(raw);
    Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return password;
  }

  private Optional<JsonObject> get(NodeConfig c, String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(c, path)).timeout(Duration.ofSeconds(2))
              .header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(new JsonObject(r.body())) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private JsonObject post(NodeConfig c, String path, JsonObject body) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(c, path)).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body());
  }

  private static URI uri(NodeConfig c, String path) {
    return URI.create("http://127.0.0.1:" + c.ports().admin() + path);
  }
}
