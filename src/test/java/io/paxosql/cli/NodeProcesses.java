package io.paxosql.cli;

import io.paxosql.testing.ClusterLayout;
import io.paxosql.testing.Retry;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A cluster of real node processes for tests: each member is its own JVM running
 * {@code Main node --config FILE} with this JVM's classpath and Chronicle flags, started in its own
 * session (setsid) so that a signal to its process group reaches it as a terminal's Ctrl-C would.
 * {@link #close} kills every JVM and every mariadbd under the cluster's directory, even after a failure;
 * the directory (logs, data) stays for diagnosis unless the test marked itself {@link #passed}.
 */
final class NodeProcesses implements AutoCloseable {
  final Path dir;
  private final int size;
  private final ClusterLayout layout;
  private final Process[] processes;
  private final String heap;
  private final List<Long> everStarted = new ArrayList<>();
  /** Set by a test that passed: only then is the directory (logs, data) removed on close. */
  boolean passed;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  NodeProcesses(int size) throws IOException {
    this(size, "", "", "384m");
  }

  /**
   * @param extraYaml      appended to every node's config (e.g. a paxos line)
   * @param mariadbOptions added to every node's mariadb line (e.g. "maxTransactionBytes: 1000")
   * @param heap           each node JVM's -Xmx
   */
  NodeProcesses(int size, String extraYaml, String mariadbOptions, String heap) throws IOException {
    this.size = size;
    this.heap = heap;
    dir = Files.createTempDirectory(Path.of("/tmp"), "pxs-proc-");
    processes = new Process[size];
    layout = ClusterLayout.onFreePorts(size).mariadbOptions(mariadbOptions).writeCerts(dir);
    layout.writeSharedSecrets(dir);
    for (int i = 0; i < size; i++) {
      String yaml = layout.yaml(i + 1, extraYaml);
      Files.writeString(config(i + 1), yaml);
    }
  }

  int size() {
    return size;
  }

  Path config(int id) {
    return dir.resolve("node" + id + ".yaml");
  }

  Path log(int id) {
    return dir.resolve("node" + id + ".log");
  }

  Path errorLog(int id) {
    return dir.resolve("node" + id).resolve("mariadb").resolve("error.log");
  }

  int rwPort(int id) {
    return layout.ports(id).rw();
  }

  int adminPort(int id) {
    return layout.ports(id).admin();
  }

  long pid(int id) {
    return processes[id - 1].pid();
  }

  boolean alive(int id) {
    return processes[id - 1] != null && processes[id - 1].isAlive();
  }

  /** Starts the node's JVM (its output appends to node<id>.log) and waits until its admin port answers. */
  void start(int id, Duration timeout) throws Exception {
    launch(id);
    awaitAdmin(id, System.nanoTime() + timeout.toNanos(), timeout);
  }

  /**
   * As {@link #startInitialised}, launching every node before waiting for any: each node's start (its
   * MariaDB's first start above all) overlaps the others'.
   */
  int startInitialisedTogether(Duration timeout) throws Exception {
    for (int id = 1; id <= size; id++) {
      launch(id);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int id = 1; id <= size; id++) {
      awaitAdmin(id, deadline, timeout);
    }
    return initialise(timeout);
  }

  private void launch(int id) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("setsid");
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access") || arg.startsWith("-Dchronicle")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-Xmx" + heap, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "node", "--config", config(id).toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(id).toFile())).start();
    processes[id - 1] = p;
    everStarted.add(p.pid());
  }

  private void awaitAdmin(int id, long deadline, Duration timeout) throws InterruptedException {
    Process p = processes[id - 1];
    while (local(id).isEmpty()) {
      if (!p.isAlive()) {
        throw new AssertionError("node " + id + " exited with " + p.exitValue() + " while starting; its log ends:\n"
            + tail(log(id), 30));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("node " + id + " did not answer on its admin port within " + timeout
            + "; its log ends:\n" + tail(log(id), 30));
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
  }

  /** Starts every node, initialises the cluster through node 1 and returns the first master's id. */
  int startInitialised(Duration timeout) throws Exception {
    for (int id = 1; id <= size; id++) {
      start(id, timeout);
    }
    return initialise(timeout);
  }

  private int initialise(Duration timeout) throws Exception {
    JsonArray members = new JsonArray(layout.paxosAddresses());
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin(1, "/init")).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + layout.adminToken())
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("members", members).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    if (!new JsonObject(r.body()).getBoolean("initialised", false)) {
      throw new AssertionError("init failed: " + r.body());
    }
    return awaitMaster(timeout);
  }

  /** POSTs to a node's admin path with the cluster's admin token; fails on any status but 200. */
  String adminPost(int id, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin(id, path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + layout.adminToken())
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("POST " + path + " on node " + id + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  /**
   * Sends {@code signal} (TERM, INT, STOP, CONT, KILL) to the node's whole process group, as a terminal
   * does, or only to its JVM.
   */
  void signal(int id, String signal, boolean wholeGroup) throws Exception {
    if (ignores(pid(id), signal)) {
      // A job started in the background of a shell without job control ignores INT and QUIT, and so does
      // everything it starts (the JVM then installs no handler): the node could never see this signal.
      throw new AssertionError("node " + id + "'s process ignores SIG" + signal + " (inherited from how this test"
          + " run was started: a background job of a shell without job control); run the tests in the"
          + " foreground, e.g. `make test` from a terminal, or with `set -m` in a script");
    }
    String target = wholeGroup ? "-" + pid(id) : Long.toString(pid(id));
    Process kill = new ProcessBuilder("kill", "-" + signal, "--", target).redirectErrorStream(true).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + signal + " " + target + " failed: "
          + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Whether process {@code pid} ignores the named signal (its SigIgn mask in /proc). KILL and STOP cannot
   * be ignored and CONT resumes a stopped process whatever its disposition, so those are never "ignored".
   */
  static boolean ignores(long pid, String signal) throws IOException {
    int number = switch (signal) {
      case "KILL", "STOP", "CONT" -> 0;
      case "HUP" -> 1;
      case "INT" -> 2;
      case "QUIT" -> 3;
      case "TERM" -> 15;
      default -> throw new IllegalArgumentException("no signal number known for SIG" + signal);
    };
    if (number == 0) {
      return false;
    }
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (number - 1))) != 0;
      }
    }
    throw new IOException("/proc/" + pid + "/status has no SigIgn line");
  }

  /** Waits for the node's JVM to exit; returns its exit code. */
  int awaitExit(int id, Duration timeout) throws InterruptedException {
    Process p = processes[id - 1];
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("node " + id + " (pid " + p.pid() + ") did not exit within " + timeout
          + "; its log ends:\n" + tail(log(id), 30));
    }
    return p.exitValue();
  }

  /** The node's own status (GET /local), or empty when its admin port does not answer. */
  Optional<JsonObject> local(int id) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin(id, "/local")).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(new JsonObject(r.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The node that reports itself MASTER, if exactly one answering node does. */
  Optional<Integer> master() {
    Optional<Integer> found = Optional.empty();
    for (int id = 1; id <= size; id++) {
      if (alive(id) && local(id).map(s -> "MASTER".equals(s.getString("role"))).orElse(false)) {
        if (found.isPresent()) {
          return Optional.empty();
        }
        found = Optional.of(id);
      }
    }
    return found;
  }

  int awaitMaster(Duration timeout) {
    return Retry.until("a master", timeout,
        () -> master().orElseThrow(() -> new IllegalStateException("no master yet; roles: " + roles())));
  }

  List<String> roles() {
    List<String> out = new ArrayList<>();
    for (int id = 1; id <= size; id++) {
      out.add(id + "=" + (alive(id) ? local(id).map(s -> s.getString("role")).orElse("?") : "down"));
    }
    return out;
  }

  /** root through a node's RW port; short timeouts so a writer notices an outage. */
  Connection rw(int id) throws SQLException {
    return rw(id, Duration.ofSeconds(20));
  }

  /** root through a node's RW port, the client waiting up to {@code socketTimeout} for an answer. */
  Connection rw(int id, Duration socketTimeout) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + rwPort(id)
        + "/?connectTimeout=3000&socketTimeout=" + socketTimeout.toMillis(), "root", layout.rootPassword());
  }

  /** The text of a node's Prometheus page (GET /metrics). */
  String metrics(int id) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin(id, "/metrics")).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("GET /metrics on node " + id + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  /** root straight to a node's MariaDB. */
  Connection direct(int id) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + layout.ports(id).mariadb()
        + "/?connectTimeout=3000&socketTimeout=20000", "root", layout.rootPassword());
  }

  /** The error log's text from byte {@code from} on. */
  String errorLogSince(int id, long from) throws IOException {
    byte[] all = Files.readAllBytes(errorLog(id));
    return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), StandardCharsets.UTF_8);
  }

  long errorLogSize(int id) throws IOException {
    return Files.exists(errorLog(id)) ? Files.size(errorLog(id)) : 0;
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  private URI admin(int id, String path) {
    return URI.create("http://127.0.0.1:" + adminPort(id) + path);
  }

  /** mariadbd processes whose defaults file lies under this cluster's directory. */
  private List<ProcessHandle> ourServers() {
    String marker = "--defaults-file=" + dir;
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(h -> h.info().arguments().map(a -> List.of(a).stream().anyMatch(s -> s.startsWith(marker)))
          .orElse(false)).toList();
    }
  }

  /** Kills every node JVM this harness started and every mariadbd under its directory; removes the directory. */
  @Override
  public void close() throws Exception {
    for (long pid : everStarted) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Process p : processes) {
      if (p != null) {
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    List<ProcessHandle> servers = ourServers();
    for (ProcessHandle h : servers) {
      h.destroyForcibly();
    }
    for (ProcessHandle h : servers) {
      h.onExit().get(30, TimeUnit.SECONDS);
    }
    List<ProcessHandle> left = ourServers();
    if (!left.isEmpty()) {
      throw new AssertionError("mariadbd processes left under " + dir + ": " + left);
    }
    if (passed) {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
