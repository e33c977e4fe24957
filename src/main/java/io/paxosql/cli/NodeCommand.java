package io.paxosql.cli;

import io.paxosql.config.ConfigException;
import io.paxosql.config.NodeConfig;
import io.paxosql.config.NodeConfigLoader;
import io.paxosql.node.ClusterNode;
import io.paxosql.node.LogLevels;
import io.paxosql.node.mariadb.MariaDbStartException;
import io.paxosql.node.mariadb.RunningServers;
import io.paxosql.transport.FaultInjector;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code paxosql node --config FILE}: runs one member until SIGTERM or Ctrl-C, then stops it cleanly. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run one cluster member: one JVM managing one MariaDB.")
final class NodeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);
  /** Longer than every bounded step of a node's stop together; after it, leftover servers are killed. */
  static final Duration STOP_BOUND = Duration.ofSeconds(150);
  /** Exit status of a node that stopped because its storage failed (see ClusterNode#failStopped). */
  static final int FAIL_STOP_EXIT = 3;

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "The node's YAML config, e.g. conf/node1.yaml.")
  Path config;

  @Override
  public Integer call() throws Exception {
    NodeConfig cfg;
    try {
      cfg = NodeConfigLoader.load(config);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    LogLevels.apply(cfg.logLevel());
    // Native epoll: fewer copies and syscalls on the proxy and gRPC paths (measured by the proxy bench).
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    ClusterNode node;
    try {
      node = ClusterNode.start(vertx, cfg, config, new FaultInjector()).await(300, TimeUnit.SECONDS);
    } catch (MariaDbStartException e) {
      System.err.println("node " + cfg.nodeId() + " could not start its MariaDB: " + e.getMessage());
      vertx.close();
      return 1;
    } catch (Exception e) {
      System.err.println("node " + cfg.nodeId() + " could not start: " + e.getMessage());
      log.error("start failed", e);
      vertx.close();
      return 1;
    }
    node.failStopped().onSuccess(message -> {
      // Storage failed: the node already killed its MariaDB and halted; a clean stop is impossible.
      System.err.println(message);
      System.err.flush();
      Runtime.getRuntime().halt(FAIL_STOP_EXIT);
    });
    CountDownLatch stopped = new CountDownLatch(1);
    // The one stop path of a node process: it runs before any MariaDB is killed (see RunningServers).
    RunningServers.stopCleanlyAtExit("node " + cfg.nodeId() + "'s clean stop", STOP_BOUND, () -> {
      log.info("node {} stopping", cfg.nodeId());
      try {
        node.stop().await(STOP_BOUND.toSeconds(), TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("node {} did not stop cleanly: {}", cfg.nodeId(), e.toString());
      }
      stopped.countDown();
    });
    stopped.await();
    return 0;
  }
}
