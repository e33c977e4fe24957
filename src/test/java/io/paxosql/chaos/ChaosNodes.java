package io.paxosql.chaos;

import io.paxosql.config.SecretNames;
import io.paxosql.node.secret.SecretFile;
import io.paxosql.cli.Main;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The node processes of the chaos cluster: node i runs `Main node --config node_i.yaml` (what
 * `java -jar paxosql.jar node` runs) inside namespace pxc-n_i, bound to its bridge address; its managed
 * MariaDB listens on 127.0.0.1 inside that namespace. Every node uses the same port numbers: the
 * namespaces keep them apart. JVMs and mariadbds are found by their command lines under our run directory.
 */
final class ChaosNodes {
  private static final String ADMIN_TOKEN = SecretFile.random(SecretFile.DEFAULT_BYTES);
  private static final String ROOT_PASSWORD = SecretFile.random(SecretFile.DEFAULT_BYTES);
  /** -Dchaos.logLevel=DEBUG: the nodes log at that level (read-index and read-gate decisions, to replay a finding). */
  static final String LOG_LEVEL_PROPERTY = "chaos.logLevel";
  static final int RW = 3301;
  static final int RO = 3302;
  static final int PAXOS = 3303;
  static final int BINLOG = 3304;
  static final int ADMIN = 3305;
  static final int MARIADB = 3306;
  static final int INTERNAL = 3307;

  final Path dir;
  final int size;
  /** The JVM last started for each node (the `ip netns exec` and `setsid` exec into it, so it is our child). */
  private final Map<Integer, Process> started = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  ChaosNodes(Path dir, int size) throws IOException {
    this.dir = dir;
    this.size = size;
    for (int id = 1; id <= size; id++) {
      Files.writeString(config(id), yaml(id));
      // One admin token and root password for every node, as an operator would place them before the start.
      Path dataDir = dir.resolve("node" + id);
      SecretFile.write(SecretNames.adminToken(dataDir), ADMIN_TOKEN);
      SecretFile.write(SecretNames.rootPassword(dataDir), ROOT_PASSWORD);
    }
  }

  Path config(int id) {
    return dir.resolve("node" + id + ".yaml");
  }

  Path log(int id) {
    return dir.resolve("node" + id + ".log");
  }

  Path socket(int id) {
    return dir.resolve("node" + id).resolve("mariadb").resolve("mysqld.sock");
  }

  private String yaml(int id) {
    StringBuilder members = new StringBuilder();
    for (int i = 1; i <= size; i++) {
      members.append("  - { id: ").append(i).append(", host: ").append(Netns.nodeAddress(i)).append(", paxos: ")
          .append(PAXOS).append(", internal: ").append(INTERNAL).append(", admin: ").append(ADMIN).append(" }\n");
    }
    return "clusterId: chaos\nnodeId: " + id + "\ndataDir: node" + id + "\n"
        + "ports: { rw: " + RW + ", ro: " + RO + ", paxos: " + PAXOS + ", binlog: " + BINLOG + ", admin: " + ADMIN
        + ", internal: " + INTERNAL + " }\n"
        + "members:\n" + members
        + "mariadb: { port: " + MARIADB + " }\n"
        + "replication: { user: paxosql_repl }\n"
        // Faults, not identities, are under test here: member links in plaintext (the node warns).
        + "tls: { mode: off }\n"
        + "proxy: { roConsistency: linearizable, roMaxLagMs: 3000, connectTimeoutMs: 2000 }\n"
        + "logLevel: " + System.getProperty(LOG_LEVEL_PROPERTY, "INFO") + "\n";
  }

  /** Starts node {@code id}'s JVM in its namespace; its output appends to node_id.log. */
  void start(int id) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", Netns.nodeNs(id), "setsid",
        ProcessHandle.current().info().command().orElse("java")));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access") || arg.startsWith("-Dchronicle")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "node", "--config", config(id).toString()));
    Files.writeString(log(id), "=== chaos: starting node " + id + " at " + Instant.now() + "\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    started.put(id, new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(id).toFile())).start());
  }

  /** Waits up to {@code millis} for node {@code id}'s last started JVM to exit; its exit status, or empty. */
  Optional<Integer> awaitExit(int id, long millis) throws InterruptedException {
    Process p = started.get(id);
    if (p == null || !p.waitFor(millis, TimeUnit.MILLISECONDS)) {
      return Optional.empty();
    }
    return Optional.of(p.exitValue());
  }

  /** Node {@code id}'s role as its /local reports it, or empty when it does not answer. */
  Optional<String> role(int id) {
    return local(id).map(l -> l.getString("role"));
  }

  /** Node {@code id}'s JVM, found by its command line (the config file is ours alone). */
  Optional<ProcessHandle> jvm(int id) {
    String marker = config(id).toString();
    return ProcessHandle.allProcesses().filter(p -> {
      String line = cmdline(p.pid());
      return line.contains(Main.class.getName()) && line.contains(marker) && !line.startsWith("ip\0");
    }).findFirst();
  }

  /** Node {@code id}'s mariadbd, found by its defaults file under the node's data directory. */
  Optional<ProcessHandle> mariadbd(int id) {
    String marker = "--defaults-file=" + dir.resolve("node" + id).resolve("mariadb");
    return ProcessHandle.allProcesses().filter(p -> cmdline(p.pid()).contains(marker)
        && cmdline(p.pid()).contains("mariadbd")).findFirst();
  }

  /** Every process whose command line names our run directory: what a final cleanup must kill. */
  static List<ProcessHandle> everythingUnder(Path dir) {
    String marker = dir.toString() + "/";
    long self = ProcessHandle.current().pid();
    return ProcessHandle.allProcesses().filter(p -> p.pid() != self && cmdline(p.pid()).contains(marker)).toList();
  }

  static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static void signal(ProcessHandle p, String signal) {
    Sh.quiet("kill", "-" + signal, Long.toString(p.pid()));
  }

  /** This node's /local facts, or empty when its admin port does not answer within a second. */
  Optional<JsonObject> local(int id) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin(id, "/local")).timeout(Duration.ofSeconds(1))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(new JsonObject(r.body())) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The node that reports itself MASTER holding the lease, or 0. */
  int master() {
    for (int id = 1; id <= size; id++) {
      Optional<JsonObject> l = local(id);
      if (l.isPresent() && "MASTER".equals(l.get().getString("role")) && l.get().getBoolean("leaseHeld", false)) {
        return id;
      }
    }
    return 0;
  }

  void init() throws IOException, InterruptedException {
    JsonArray members = new JsonArray();
    for (int id = 1; id <= size; id++) {
      members.add(Netns.nodeAddress(id) + ":" + PAXOS);
    }
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin(1, "/init")).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + ADMIN_TOKEN).POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("members", members).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    if (!new JsonObject(r.body()).getBoolean("initialised", false)) {
      throw new IllegalStateException("init through node 1 failed: " + r.body());
    }
  }

  URI admin(int id, String path) {
    return URI.create("http://" + Netns.nodeAddress(id) + ":" + ADMIN + path);
  }

  /** Root on node {@code id}'s own MariaDB through its unix socket (files cross namespaces). */
  Connection rootLocal(int id) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://localhost/?localSocket=" + socket(id)
        + "&user=root&password=" + ROOT_PASSWORD + "&connectTimeout=3000&socketTimeout=20000");
  }

  String tail(int id, int lines) {
    try {
      List<String> all = Files.readAllLines(log(id));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
