package io.paxosql.cli;

import io.paxosql.config.ConfigException;
import io.paxosql.config.NodeConfig;
import io.paxosql.config.NodeConfigLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code paxosql demo}: three node processes on loopback from conf/node1-3.yaml, bootstrapped into
 * one cluster, with connection instructions and a live status line until Ctrl-C or SIGTERM.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start a three-node cluster on loopback (data under run/demo/) and show its status.")
final class DemoCommand implements Callable<Integer> {
  /** conf/ has node4.yaml and node5.yaml for members added to the demo; their certificates are made too. */
  private static final int SPARE_MEMBERS_UP_TO = 5;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--conf-dir", defaultValue = "conf", paramLabel = "DIR",
      description = "Where node1.yaml..node3.yaml are (default: ${DEFAULT-VALUE}).")
  Path confDir;

  @Option(names = "--nodes", defaultValue = "3", paramLabel = "N",
      description = "How many of the configs to start (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--ready-timeout-s", defaultValue = "180", paramLabel = "S",
      description = "How long to wait for the cluster to elect a master (default: ${DEFAULT-VALUE}).")
  long readyTimeoutSeconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (nodes < 1 || nodes > 9) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be 1..9, got " + nodes);
    }
    // The configs name run/demo/tls (beside conf/): make the cluster CA and node certificates there first,
    // also for the spare members (conf/node4.yaml, node5.yaml) an operator adds to the running demo.
    Path tlsDir = confDir.toAbsolutePath().normalize().resolveSibling("run").resolve("demo").resolve("tls");
    List<Integer> ids = new ArrayList<>();
    for (int i = 1; i <= Math.max(nodes, SPARE_MEMBERS_UP_TO); i++) {
      ids.add(i);
    }
    try {
      CertsCommand.ensureDemo(tlsDir, ids);
    } catch (IOException e) {
      err.println("demo: cannot make the TLS certificates under " + tlsDir + ": " + e.getMessage());
      return 1;
    }
    List<NodeConfig> configs = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      Path file = confDir.resolve("node" + i + ".yaml");
      try {
        configs.add(NodeConfigLoader.load(file));
        files.add(file);
      } catch (ConfigException e) {
        err.println(e.getMessage());
        return 1;
      }
    }
    return new DemoCluster(configs, files, out, err).run(readyTimeoutSeconds);
  }
}
