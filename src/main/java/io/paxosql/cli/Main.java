package io.paxosql.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code paxosql.jar}. Parsing, help and usage errors are picocli's; each command
 * is its own class so that this file only wires them together.
 */
@Command(
    name = "paxosql",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "A Paxos-replicated, loss-less MariaDB cluster behind a MySQL-protocol proxy.",
    subcommands = {NodeCommand.class, DemoCommand.class, AdminCommand.class, CertsCommand.class, ProxyCommand.class,
        RelayCommand.class, ReadyCommand.class, InitCommand.class})
public final class Main implements Runnable {

  /** Exit code for a command line that could not be understood (picocli's USAGE). */
  public static final int EXIT_USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    JvmSettings.applyBeforeLibrariesLoad();
    System.exit(execute(args));
  }

  /** Runs the command line and returns the process exit code; never calls System.exit. */
  public static int execute(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  /** As {@link #execute(String...)}, printing to the given writers (for tests and embedding). */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(new Main()).setOut(out).setErr(err).execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing command: choose one of node, demo, admin, certs (see --help)");
  }
}
