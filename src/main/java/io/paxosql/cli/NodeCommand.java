package io.paxosql.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run one cluster member: one JVM managing one MariaDB.")
final class NodeCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "The node's YAML config, e.g. conf/node1.yaml.")
  Path config;

  @Override
  public Integer call() {
    return Unavailable.report("node", "the cluster (issue #7)");
  }
}
