package io.paxosql.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code admin add-member | remove-member | replace-member | member-progress}. Sent to any member's admin
 * port (a follower passes it to the master). add-member and replace-member then follow the master's
 * progress report until the new node votes as a FOLLOWER, unless {@code --no-wait}.
 */
final class MemberCommands {
  private static final long POLL_MS = 1000;
  /** How long a command whose master changed waits for the cluster to show its outcome (the master's follower wait). */
  private static final long OUTCOME_AFTER_FAILOVER_MS = 120_000;

  private MemberCommands() {}

  /** The new member's address, as the existing members will reach it. */
  static final class NewMember {
    @Option(names = "--host", required = true, description = "Host or address the members reach the new node at.")
    String host;

    @Option(names = "--paxos", required = true, description = "Its Paxos port (ports.paxos).")
    int paxos;

    @Option(names = "--internal", required = true, description = "Its member-only proxy hop port (ports.internal).")
    int internal;

    @Option(names = "--admin", required = true, description = "Its admin port (ports.admin).")
    int admin;

    @Option(names = "--no-wait", description = "Return once the master accepted the command, without following it.")
    boolean noWait;

    @Option(names = "--timeout-seconds", defaultValue = "600",
        description = "How long the new node may take to catch up before the add is rolled back (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    JsonObject json(int id) {
      return new JsonObject().put("id", id).put("host", host).put("paxos", paxos).put("internal", internal)
          .put("admin", admin);
    }
  }

  @Command(name = "add-member", mixinStandardHelpOptions = true,
      description = "Add a node (started first with `node --config`, empty data dir): it catches up as a learner, "
          + "then votes. Waits until it is a voting FOLLOWER, showing progress.")
  static final class AddMember implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Option(names = "--id", required = true, description = "The new node's id (nodeId in its config).")
    int id;

    @Mixin NewMember member;

    @Override
    public Integer call() {
      JsonObject body = member.json(id).put("timeoutSeconds", member.timeoutSeconds);
      return startAndFollow(admin, "/members/add", body, member.noWait, member.timeoutSeconds,
          "node " + id + " is a voting FOLLOWER", status -> votingFollower(status, id));
    }
  }

  @Command(name = "remove-member", mixinStandardHelpOptions = true,
      description = "Remove a voting member. Refused if fewer than 3 voters would remain, or for the master "
          + "without --force (step it down first). The removed node stops serving.")
  static final class RemoveMember implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Option(names = "--id", required = true, description = "The member to remove.")
    int id;

    @Option(names = "--force", description = "Remove the master itself (it stops leading; another node takes over).")
    boolean force;

    @Override
    public Integer call() {
      return admin.call("POST", "/members/remove", new JsonObject().put("id", id).put("force", force), answer ->
          admin.spec.commandLine().getOut().println(admin.json ? answer.encodePrettily()
              : "node " + id + " is no longer a member (" + answer.getString("message", "") + ")"));
    }
  }

  @Command(name = "replace-member", mixinStandardHelpOptions = true,
      description = "Put a new node in place of a member (e.g. a machine that died): adds the new one, then "
          + "removes the old one, so the voter count never drops.")
  static final class ReplaceMember implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Option(names = "--id", required = true, description = "The member to replace.")
    int id;

    @Option(names = "--with-id", required = true, description = "The new node's id.")
    int withId;

    @Option(names = "--force", description = "Allow replacing the master itself.")
    boolean force;

    @Mixin NewMember member;

    @Override
    public Integer call() {
      JsonObject body = new JsonObject().put("id", id).put("with", member.json(withId)).put("force", force)
          .put("timeoutSeconds", member.timeoutSeconds);
      return startAndFollow(admin, "/members/replace", body, member.noWait, member.timeoutSeconds,
          "node " + withId + " votes in place of node " + id,
          status -> votingFollower(status, withId) && !voting(status).contains(id));
    }
  }

  @Command(name = "member-progress", mixinStandardHelpOptions = true,
      description = "The running or last membership command on the master: phase, bytes, rate, ETA.")
  static final class Progress implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Override
    public Integer call() {
      return admin.call("GET", "/members/progress", null);
    }
  }

  /**
   * @param reached whether the cluster's {@code /status} shows the command's outcome: what the command is
   *                judged by once the master that ran it is gone (it may have finished the change meanwhile)
   */
  private static int startAndFollow(AdminCommand admin, String path, JsonObject body, boolean noWait,
      long timeoutSeconds, String success, Predicate<JsonObject> reached) {
    PrintWriter out = admin.spec.commandLine().getOut();
    PrintWriter err = admin.spec.commandLine().getErr();
    JsonObject[] started = new JsonObject[1];
    int rc = admin.call("POST", path, body, a -> started[0] = a);
    if (rc != 0) {
      return rc;
    }
    String operation = started[0].getString("operation", "");
    if (noWait) {
      out.println(admin.json ? started[0].encodePrettily() : operation + " started; follow it with `admin member-progress`");
      return 0;
    }
    // The catch-up is bounded by the master (timeoutSeconds); the rest (checks, vote, follower) by a few minutes.
    long deadline = System.currentTimeMillis() + (timeoutSeconds + 300) * 1000;
    String lastLine = "";
    while (System.currentTimeMillis() < deadline) {
      JsonObject[] p = new JsonObject[1];
      int r = admin.call("GET", "/members/progress", null, a -> p[0] = a);
      if (r == 0) {
        if (!operation.equals(p[0].getString("operation"))) {
          return awaitOutcome(admin, operation, success, reached, Math.min(deadline,
              System.currentTimeMillis() + OUTCOME_AFTER_FAILOVER_MS));
        }
        String line = describe(p[0]);
        if (!line.equals(lastLine)) {
          out.println(line);
          out.flush();
          lastLine = line;
        }
        if (p[0].getBoolean("done", false)) {
          out.println(success);
          return 0;
        }
        if (p[0].getBoolean("failed", false)) {
          err.println("failed: " + p[0].getString("error"));
          return AdminCommand.EXIT_REFUSED;
        }
      }
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return AdminCommand.EXIT_UNREACHABLE;
      }
    }
    err.println(operation + " did not finish in time; follow it with `admin member-progress`");
    return AdminCommand.EXIT_UNREACHABLE;
  }

  /**
   * The master changed while the command ran: the old master may still finish the change (it drives it to its
   * end as a follower, the log forwards its proposals), or not (it died). Judged by the cluster's status until
   * {@code deadline}.
   */
  private static int awaitOutcome(AdminCommand admin, String operation, String success, Predicate<JsonObject> reached,
      long deadline) {
    PrintWriter out = admin.spec.commandLine().getOut();
    PrintWriter err = admin.spec.commandLine().getErr();
    out.println("the master changed while '" + operation + "' ran; waiting up to "
        + Math.max(0, (deadline - System.currentTimeMillis()) / 1000) + " s for the cluster to show its outcome");
    out.flush();
    while (true) {
      JsonObject[] st = new JsonObject[1];
      if (admin.call("GET", "/status", null, a -> st[0] = a) == 0 && reached.test(st[0])) {
        out.println(success);
        return 0;
      }
      if (System.currentTimeMillis() >= deadline) {
        err.println("the master changed while '" + operation + "' ran and the cluster does not show its outcome: "
            + "check `admin status` (the new node may or may not vote); re-run the command or remove-member it");
        return AdminCommand.EXIT_REFUSED;
      }
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return AdminCommand.EXIT_UNREACHABLE;
      }
    }
  }

  /** Node {@code id} votes and reports itself an initialised FOLLOWER (or MASTER) in {@code /status}. */
  static boolean votingFollower(JsonObject status, int id) {
    if (!voting(status).contains(id)) {
      return false;
    }
    JsonArray members = status.getJsonArray("members", new JsonArray());
    for (int i = 0; i < members.size(); i++) {
      JsonObject m = members.getJsonObject(i);
      if (m.getInteger("id", -1) == id) {
        String role = m.getString("role", "");
        return "voting".equals(m.getString("membership")) && m.getBoolean("initialised", false)
            && ("FOLLOWER".equals(role) || "MASTER".equals(role));
      }
    }
    return false;
  }

  private static Set<Integer> voting(JsonObject status) {
    Set<Integer> ids = new HashSet<>();
    status.getJsonArray("voting", new JsonArray()).forEach(v -> ids.add(((Number) v).intValue()));
    return ids;
  }

  /** One progress line: phase, bytes, rate, ETA. */
  static String describe(JsonObject p) {
    String phase = p.getString("phase", "?");
    if (!"catching-up".equals(phase)) {
      return "[" + phase + "] " + p.getString("message", "");
    }
    long eta = p.getLong("etaSeconds", -1L);
    Double pct = p.getDouble("percent");
    return String.format(Locale.ROOT, "[catching-up] %s %s of %s, %s/s, ETA %s, %d instances behind",
        pct == null ? "?%" : String.format(Locale.ROOT, "%.0f%%", pct),
        mb(p.getLong("bytes", 0L)), mb(p.getLong("totalBytes", 0L)), mb(p.getLong("rateBytesPerSec", 0L)),
        eta < 0 ? "unknown" : eta + " s", p.getLong("joinerBehindInstances", 0L));
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
