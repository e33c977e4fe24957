package io.paxosql.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Ask a running node: status, members, init, step-down.")
final class AdminCommand implements Callable<Integer> {
  @Option(names = "--node", required = true, paramLabel = "HOST:PORT",
      description = "The node's admin address, e.g. 127.0.0.1:6415.")
  String node;

  @Option(names = "--json", description = "Print JSON for scripts.")
  boolean json;

  @Parameters(index = "0", paramLabel = "COMMAND", description = "status | members | init | step-down")
  String command;

  @Override
  public Integer call() {
    return Unavailable.report("admin", "the cluster's admin API (issue #7)");
  }
}
