package io.paxosql.cli;

import io.paxosql.config.NodeConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code paxosql ready --config FILE}: waits until the node that config describes serves its role, for
 * service managers (systemd's ExecStartPost) and scripts. A node counts as ready when its admin port answers
 * and it is either a FOLLOWER or the MASTER, or it is up but its cluster was never initialised (it then waits
 * for {@code admin init}, which needs every member up: waiting longer would deadlock a first start).
 */
@Command(name = "ready", mixinStandardHelpOptions = true,
    description = "Wait until the local node is up and serving (FOLLOWER or MASTER, or waiting for admin init).",
    footer = {"", "Exit codes: 0 ready, 1 not ready within the timeout, 2 usage or config error."})
final class ReadyCommand implements Callable<Integer> {
  private static final Set<String> SERVING = Set.of("FOLLOWER", "MASTER");
  private static final Duration POLL = Duration.ofMillis(500);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The node's YAML config.")
  Path config;

  @Option(names = "--timeout-s", defaultValue = "120", paramLabel = "SECONDS",
      description = "How long to wait (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    NodeConfig cfg = AdminTarget.loadConfig(spec.commandLine(), config);
    if (timeoutSeconds < 1) {
      err.println("--timeout-s must be at least 1, got " + timeoutSeconds);
      return Main.EXIT_USAGE;
    }
    URI local = AdminTarget.localAddress(cfg).uri("/local");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline) {
      Readiness r = ask(http, local);
      if (r.ready()) {
        out.println("node " + cfg.nodeId() + " is ready: " + r.detail());
        out.flush();
        return 0;
      }
      last = r.detail();
      LockSupport.parkNanos(POLL.toNanos());
    }
    err.println("node " + cfg.nodeId() + " was not ready within " + timeoutSeconds + " s; last seen: " + last
        + ". Look at its log (journalctl -u paxosql) for why.");
    return 1;
  }

  /** One look at the node: whether it serves, and what it said in words for the operator. */
  record Readiness(boolean ready, String detail) {}

  static Readiness ask(HttpClient http, URI local) {
    try {
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(local).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        return new Readiness(false, "admin port " + local.getAuthority() + " answered HTTP " + resp.statusCode());
      }
      return judge(new JsonObject(resp.body()));
    } catch (IOException | DecodeException e) {
      return new Readiness(false, "admin port " + local.getAuthority() + " did not answer (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Readiness(false, "interrupted");
    }
  }

  static Readiness judge(JsonObject local) {
    String role = local.getString("role", "?");
    if (!local.getBoolean("initialised", false)) {
      return new Readiness(true, "up, waiting for the cluster to be initialised (paxosql admin ... init)");
    }
    return new Readiness(SERVING.contains(role), "role " + role);
  }
}
