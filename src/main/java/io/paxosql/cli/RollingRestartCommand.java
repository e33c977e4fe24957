package io.paxosql.cli;

import io.paxosql.cli.AdminClient.AdminCallException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code admin rolling-restart --restart-command CMD}: restarts every member one at a time with the
 * operator's own command (systemctl over ssh, a container restart...), followers first, then the master after
 * a step-down, so writes pause for one failover at most. Refuses to begin, or to go on, while any member is
 * unreachable, diverged, not serving or lagging. The decisions are {@link RollingRestartPlan}'s.
 */
@Command(name = "rolling-restart", mixinStandardHelpOptions = true,
    description = "Restart every member in turn (followers first, the master last after a step-down).")
final class RollingRestartCommand implements Callable<Integer> {
  private static final Duration POLL = Duration.ofMillis(500);

  @ParentCommand AdminCommand admin;

  @Option(names = "--restart-command", required = true, paramLabel = "CMD",
      description = "Shell command that restarts one member and returns; {id} and {host} are filled in, "
          + "e.g. 'ssh root@{host} systemctl restart paxosql'.")
  String restartCommand;

  @Option(names = "--max-lag-ms", defaultValue = "2000", paramLabel = "MS",
      description = "A member further behind than this counts as lagging (default: ${DEFAULT-VALUE}).")
  long maxLagMs;

  @Option(names = "--wait-s", defaultValue = "300", paramLabel = "SECONDS",
      description = "How long to wait for each member to come back, and for each restart command (default: "
          + "${DEFAULT-VALUE}).")
  long waitSeconds;

  private PrintWriter out;

  @Override
  public Integer call() {
    out = admin.spec.commandLine().getOut();
    PrintWriter err = admin.spec.commandLine().getErr();
    AdminAddress start;
    try {
      start = AdminAddress.parse(admin.node);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(admin.spec.commandLine(), e.getMessage());
    }
    AdminClient client = new AdminClient(Duration.ofMillis(admin.timeoutMs));
    try {
      Map<Integer, AdminAddress> admins = adminAddresses(client.get(start, "/members"));
      JsonObject status = client.get(start, "/status");
      List<String> problems = RollingRestartPlan.problems(status, maxLagMs);
      if (!problems.isEmpty()) {
        err.println("rolling restart refused:");
        problems.forEach(p -> err.println("  - " + p));
        return AdminCommand.EXIT_REFUSED;
      }
      List<Integer> order = RollingRestartPlan.order(status);
      int master = status.getInteger("master");
      say("order: " + order + " (node " + master + " is the master: it goes last, after a step-down)");
      for (int id : order) {
        RollingRestartPlan.Member m = RollingRestartPlan.members(status).stream()
            .filter(x -> x.id() == id).findFirst().orElseThrow();
        AdminAddress asker = admins.get(order.stream().filter(x -> x != id).findFirst().orElseThrow());
        if (id == master) {
          say("node " + id + ": stepping down");
          client.post(admins.get(id), "/step-down", new JsonObject());
          waitFor(client, asker, s -> {
            Integer now = s.getInteger("master");
            return now != null && now != id ? Optional.empty() : Optional.of("no other master yet");
          }, "another master after node " + id + " stepped down");
        }
        say("node " + id + ": restarting with: " + RollingRestartPlan.command(restartCommand, m));
        runRestart(RollingRestartPlan.command(restartCommand, m), id);
        waitFor(client, asker, s -> RollingRestartPlan.notBackYet(s, id, maxLagMs), "node " + id + " back");
        status = client.get(asker, "/status");
        List<String> now = RollingRestartPlan.problems(status, maxLagMs);
        if (!now.isEmpty()) {
          err.println("rolling restart stopped after node " + id + ":");
          now.forEach(p -> err.println("  - " + p));
          return AdminCommand.EXIT_REFUSED;
        }
        say("node " + id + ": back and caught up");
      }
      say("done: every member restarted; master is node " + status.getInteger("master"));
      return 0;
    } catch (AdminCallException | RestartFailed e) {
      err.println("rolling restart stopped: " + e.getMessage());
      return AdminCommand.EXIT_REFUSED;
    }
  }

  private static final class RestartFailed extends Exception {
    RestartFailed(String message) {
      super(message);
    }
  }

  private void runRestart(String command, int id) throws RestartFailed {
    Process p;
    try {
      p = new ProcessBuilder("/bin/sh", "-c", command).inheritIO().start();
    } catch (IOException e) {
      throw new RestartFailed("could not run the restart command for node " + id + ": " + e.getMessage());
    }
    try {
      if (!p.waitFor(waitSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new RestartFailed("the restart command for node " + id + " did not return within " + waitSeconds
            + " s; the remaining members were not touched");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RestartFailed("interrupted");
    }
    if (p.exitValue() != 0) {
      throw new RestartFailed("the restart command for node " + id + " exited with " + p.exitValue()
          + "; the remaining members were not touched");
    }
  }

  private interface Check {
    Optional<String> missing(JsonObject status);
  }

  /** Polls one member's view of the cluster until the check passes; the last reason is kept for the error. */
  private void waitFor(AdminClient client, AdminAddress asker, Check check, String what) throws RestartFailed {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
    String last = "not asked yet";
    while (System.nanoTime() < deadline) {
      try {
        Optional<String> missing = check.missing(client.get(asker, "/status"));
        if (missing.isEmpty()) {
          return;
        }
        last = missing.get();
      } catch (AdminCallException e) {
        last = e.getMessage();
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    throw new RestartFailed("waited " + waitSeconds + " s for " + what + "; last seen: " + last);
  }

  private static Map<Integer, AdminAddress> adminAddresses(JsonObject members) {
    Map<Integer, AdminAddress> out = new LinkedHashMap<>();
    JsonArray arr = members.getJsonArray("members", new JsonArray());
    for (int i = 0; i < arr.size(); i++) {
      JsonObject m = arr.getJsonObject(i);
      out.put(m.getInteger("id"), new AdminAddress(m.getString("host"), m.getInteger("admin")));
    }
    return out;
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }
}
