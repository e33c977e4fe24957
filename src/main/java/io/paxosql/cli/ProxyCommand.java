package io.paxosql.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paxosql.proxy.LiveMasterLocator;
import io.paxosql.proxy.MasterRoute;
import io.paxosql.proxy.ProxyRole;
import io.paxosql.proxy.ProxyServer;
import io.paxosql.proxy.ProxySettings;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A standalone RO-style relay to one MariaDB, for benchmarks (bench/proxy-sysbench.sh) and manual
 * checks; the cluster runs the proxy inside the node instead. Hidden from --help.
 */
@Command(name = "proxy", hidden = true, mixinStandardHelpOptions = true,
    description = "Run the paxosql proxy alone in front of one MariaDB until interrupted.")
final class ProxyCommand implements Callable<Integer> {
  @Option(names = "--listen", required = true, paramLabel = "PORT",
      description = "Port to listen on (127.0.0.1).")
  int listen;

  @Option(names = "--backend", required = true, paramLabel = "HOST:PORT",
      description = "The MariaDB to relay to.")
  String backend;

  @Option(names = "--proxy-protocol", description = "Send a PROXY v1 header to MariaDB.")
  boolean proxyProtocol;

  @Option(names = "--event-loops", defaultValue = "1", paramLabel = "N",
      description = "Event-loop threads (default: ${DEFAULT-VALUE}).")
  int eventLoops;

  @Override
  public Integer call() throws Exception {
    int colon = backend.lastIndexOf(':');
    if (colon <= 0 || colon == backend.length() - 1) {
      System.err.println("--backend must be HOST:PORT, e.g. 127.0.0.1:3306; got '" + backend + "'");
      return Main.EXIT_USAGE;
    }
    int backendPort;
    try {
      backendPort = Integer.parseInt(backend.substring(colon + 1));
    } catch (NumberFormatException e) {
      System.err.println("--backend port is not a number: '" + backend + "'");
      return Main.EXIT_USAGE;
    }
    ProxySettings settings = ProxySettings.defaults(backend.substring(0, colon), backendPort)
        .withPorts(-1, listen, -1).withProxyProtocol(proxyProtocol).withEventLoops(eventLoops);
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    ProxyServer proxy = new ProxyServer(vertx, settings,
        new LiveMasterLocator(new MasterRoute.None("standalone proxy has no RW port")),
        new SimpleMeterRegistry());
    try {
      proxy.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("cannot listen on 127.0.0.1:" + listen + ": " + e.getMessage());
      vertx.close();
      return 1;
    }
    System.out.println("proxy listening on 127.0.0.1:" + proxy.port(ProxyRole.RO) + " -> " + backend
        + (vertx.isNativeTransportEnabled() ? " (native transport)" : " (NIO transport)"));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      proxy.stop().compose(v -> vertx.close()).onComplete(ar -> stopped.countDown());
      try {
        stopped.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    stopped.await();
    return 0;
  }
}
