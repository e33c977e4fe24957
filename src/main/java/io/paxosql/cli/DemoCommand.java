package io.paxosql.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a three-node cluster on loopback under run/demo/ and show its status.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir", defaultValue = "run/demo", paramLabel = "DIR",
      description = "Where the demo keeps its data (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Override
  public Integer call() {
    return Unavailable.report("demo", "the cluster (issue #7)");
  }
}
