package io.paxosql.cli;

import io.paxosql.config.SecretNames;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code paxosql admin --node HOST:PORT [--token-file FILE] <command>} or {@code paxosql admin --config
 * NODE.yaml <command>}: asks a node's admin port, with its admin token when one is given. Exit codes: 0 done,
 * 1 the node refused (its message says why), 2 usage error, 3 the node could not be reached or
 * answered something that is not the admin API.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Ask a running node: status, members, init, step-down, rolling-restart, rebuild, backup, "
        + "add-member, remove-member, replace-member, member-progress.",
    subcommands = {AdminCommand.Status.class, AdminCommand.Members.class, AdminCommand.Init.class,
        AdminCommand.StepDown.class, RollingRestartCommand.class, AdminCommand.Rebuild.class,
        AdminCommand.Backup.class, MemberCommands.AddMember.class, MemberCommands.RemoveMember.class,
        MemberCommands.ReplaceMember.class, MemberCommands.Progress.class},
    footer = {"", "Exit codes: 0 done, 1 refused by the node, 2 usage error, 3 node unreachable."})
final class AdminCommand implements Runnable {
  static final int EXIT_REFUSED = 1;
  static final int EXIT_UNREACHABLE = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--node", paramLabel = "HOST:PORT",
      description = "The node's admin address, e.g. 127.0.0.1:6415 (default: from --config).")
  String node;

  @Option(names = "--config", paramLabel = "FILE",
      description = "The node's YAML config, e.g. conf/node1.yaml: gives the admin address and the token file "
          + "(the node's dataDir/" + SecretNames.ADMIN_TOKEN + ") when this runs on the node's host.")
  Path config;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "The node's admin token (its dataDir/" + SecretNames.ADMIN_TOKEN + "), needed for init, "
          + "step-down and every other command that changes something (default: from --config).")
  Path tokenFile;

  @Option(names = "--json", description = "Print the node's JSON answer as is (for scripts).")
  boolean json;

  @Option(names = "--timeout-ms", defaultValue = "5000", paramLabel = "MS",
      description = "How long to wait for the node (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "missing admin command: choose one of status, members, init, step-down, rolling-restart, rebuild, backup, "
            + "add-member, remove-member, replace-member, member-progress");
  }

  /** Sends one request and prints the answer; returns the exit code. */
  int call(String method, String path, JsonObject body) {
    return call(method, path, body, timeoutMs);
  }

  /** As {@link #call(String, String, JsonObject)}, waiting up to {@code timeoutMs} for the answer. */
  int call(String method, String path, JsonObject body, long timeoutMs) {
    return call(method, path, body, timeoutMs, answer -> spec.commandLine().getOut()
        .println(json ? answer.encodePrettily() : HumanJson.render(answer)));
  }

  /** Sends one request; a 2xx answer goes to {@code onAnswer}, a refusal is printed. Returns the exit code. */
  int call(String method, String path, JsonObject body, Consumer<JsonObject> onAnswer) {
    return call(method, path, body, timeoutMs, onAnswer);
  }

  private int call(String method, String path, JsonObject body, long timeoutMs, Consumer<JsonObject> onAnswer) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AdminTarget target = AdminTarget.resolve(spec.commandLine(), node, config, tokenFile);
    AdminClient client = new AdminClient(Duration.ofMillis(Math.min(timeoutMs, this.timeoutMs)),
        Duration.ofMillis(timeoutMs), target.token());
    AdminClient.Answer a;
    try {
      a = client.exchange(target.address(), method, path, body);
    } catch (AdminClient.AdminCallException e) {
      err.println(e.getMessage());
      return EXIT_UNREACHABLE;
    }
    JsonObject answer = a.body();
    if (a.refused()) {
      if (json) {
        out.println(answer.encodePrettily());
      } else {
        err.println("error (" + answer.getString("error", "unknown") + "): " + answer.getString("message", ""));
        String hint = answer.getString("hint");
        if (a.status() == 401 && !client.sendsToken()) {
          hint = "no admin token was sent: pass --token-file FILE with the node's dataDir/" + SecretNames.ADMIN_TOKEN
              + " (or --config NODE.yaml on the node's host)";
        }
        if (hint != null && !hint.isEmpty()) {
          err.println("what to do: " + hint);
        }
      }
      return EXIT_REFUSED;
    }
    onAnswer.accept(answer);
    return 0;
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Members, roles, master, lease, epoch, last chosen instance, each MariaDB's GTID and lag.")
  static final class Status implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Override
    public Integer call() {
      return admin.call("GET", "/status", null);
    }
  }

  @Command(name = "members", mixinStandardHelpOptions = true, description = "The cluster's member list.")
  static final class Members implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Override
    public Integer call() {
      return admin.call("GET", "/members", null);
    }
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Bootstrap a new cluster from its members' Paxos addresses.")
  static final class Init implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Option(names = "--members", required = true, split = ",", paramLabel = "HOST:PORT",
        description = "Every member's Paxos address, comma separated, e.g. "
            + "127.0.0.1:6413,127.0.0.1:6423,127.0.0.1:6433.")
    List<String> members;

    @Override
    public Integer call() {
      for (String m : members) {
        try {
          AdminAddress.parse(m);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(admin.spec.commandLine(), "--members: " + e.getMessage());
        }
      }
      return admin.call("POST", "/init", new JsonObject().put("members", members));
    }
  }

  @Command(name = "step-down", mixinStandardHelpOptions = true,
      description = "Planned switchover: the master hands its lease to another member.")
  static final class StepDown implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Override
    public Integer call() {
      return admin.call("POST", "/step-down", null);
    }
  }

  @Command(name = "rebuild", mixinStandardHelpOptions = true,
      description = "Rebuild member N's MariaDB from a healthy member's backup; its old datadir is moved aside.")
  static final class Rebuild implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Option(names = "--id", required = true, paramLabel = "N", description = "The member to rebuild.")
    int id;

    @Override
    public Integer call() {
      return admin.call("POST", "/rebuild", new JsonObject().put("id", id));
    }
  }

  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = "Write a consistent, prepared backup of a follower's MariaDB into DIR on the node's machine, "
          + "with paxosql-backup.json naming the GTID and log instance it matches.")
  static final class Backup implements Callable<Integer> {
    /** A backup waits for the whole copy; the node answers once it is prepared. */
    private static final long BACKUP_TIMEOUT_MS = 6 * 3600_000L;

    @ParentCommand AdminCommand admin;

    @Option(names = "--out", required = true, paramLabel = "DIR",
        description = "A new (or empty) absolute directory on the node's machine.")
    String out;

    @Override
    public Integer call() {
      if (!Path.of(out).isAbsolute()) {
        throw new CommandLine.ParameterException(admin.spec.commandLine(), "--out: " + out
            + " is not an absolute path; give the directory as the node's machine sees it, e.g. /var/backups/px1");
      }
      return admin.call("POST", "/backup", new JsonObject().put("out", out), Math.max(admin.timeoutMs, BACKUP_TIMEOUT_MS));
    }
  }
}
