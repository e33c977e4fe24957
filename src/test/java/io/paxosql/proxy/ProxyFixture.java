package io.paxosql.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paxosql.node.mariadb.MariaDbServer;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A proxy in front of a test MariaDB, with its own Vert.x and registry. */
final class ProxyFixture implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final LiveMasterLocator locator;
  final ProxyServer proxy;

  ProxyFixture(ProxySettings settings, MasterRoute route) {
    this.locator = new LiveMasterLocator(route);
    this.proxy = new ProxyServer(vertx, settings, locator, registry);
    await(proxy.start().toCompletionStage().toCompletableFuture());
  }

  static ProxySettings settingsFor(MariaDbServer server) {
    return ProxySettings.defaults("127.0.0.1", server.port()).withPorts(0, 0, -1)
        .withProxyProtocol(true);
  }

  int rw() {
    return proxy.port(ProxyRole.RW);
  }

  int ro() {
    return proxy.port(ProxyRole.RO);
  }

  int port(ProxyRole role) {
    return proxy.port(role);
  }

  List<SessionInfo> sessions() {
    return await(proxy.sessions().toCompletionStage().toCompletableFuture());
  }

  double counter(String name, String... tags) {
    var c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  double anomalies() {
    return registry.find("paxosql.proxy.errors").tag("kind", "tracking").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  /** How long the proxy tests wait for something to happen. */
  static final Duration PATIENCE = Duration.ofSeconds(20);

  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("operation failed: " + e, e);
    }
  }

  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }

  @Override
  public void close() {
    await(proxy.stop().toCompletionStage().toCompletableFuture());
    await(vertx.close().toCompletionStage().toCompletableFuture());
  }
}
