package io.paxosql.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The proxy of one node: RW, RO and internal ports (those enabled in {@link ProxySettings}),
 * routed by a {@link MasterLocator}, counted in a Micrometer registry. When the master changes,
 * RW and internal connections relayed to the old one are closed at once.
 */
public final class ProxyServer {
  private final Vertx vertx;
  private final ProxySettings settings;
  private final MasterLocator locator;
  private final Map<ProxyRole, ProxyPort> ports = new LinkedHashMap<>();
  private final Map<ProxyRole, Integer> boundPorts = new EnumMap<>(ProxyRole.class);
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private final List<ProxyVerticle> verticles = new ArrayList<>();

  public ProxyServer(Vertx vertx, ProxySettings settings, MasterLocator locator,
      MeterRegistry registry) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.locator = Objects.requireNonNull(locator, "locator");
    addPort(ProxyRole.RW, settings.rwPort(), registry);
    addPort(ProxyRole.RO, settings.roPort(), registry);
    addPort(ProxyRole.INTERNAL, settings.internalPort(), registry);
    if (ports.isEmpty()) {
      throw new IllegalArgumentException("no proxy port enabled: set at least one of the RW, RO and "
          + "internal ports to 0 or a port number");
    }
    locator.onChange(this::masterChanged);
  }

  private void addPort(ProxyRole role, int port, MeterRegistry registry) {
    if (port >= 0) {
      ports.put(role, new ProxyPort(role, settings, locator, new ProxyMetrics(registry, role)));
      boundPorts.put(role, port);
    }
  }

  /** Secures the internal hop, both ways, from now on; call before {@link #start}. */
  public ProxyServer memberHop(MemberHop hop) {
    Objects.requireNonNull(hop, "hop");
    ports.values().forEach(p -> p.memberHop(hop));
    return this;
  }

  /** Binds the enabled ports; the future fails with the bind error (e.g. port in use). */
  public Future<Void> start() {
    Map<ProxyRole, Integer> bind = new EnumMap<>(boundPorts);
    // Port 0 would give each event loop its own port: bind one first, then share its number.
    ProxyVerticle first = new ProxyVerticle(ports, bind);
    return vertx.deployVerticle(first).compose(id -> {
      deployments.add(id);
      verticles.add(first);
      for (ProxyRole role : ports.keySet()) {
        boundPorts.put(role, first.actualPort(role));
      }
      if (settings.eventLoops() == 1) {
        return Future.succeededFuture();
      }
      Map<ProxyRole, Integer> shared = new EnumMap<>(boundPorts);
      return vertx.deployVerticle(() -> {
        ProxyVerticle v = new ProxyVerticle(ports, shared);
        synchronized (verticles) {
          verticles.add(v);
        }
        return v;
      }, new DeploymentOptions().setInstances(settings.eventLoops() - 1)).map(id2 -> {
        deployments.add(id2);
        return null;
      });
    }).mapEmpty();
  }

  /** The port a role listens on (after {@link #start}); -1 if that role is disabled. */
  public int port(ProxyRole role) {
    return boundPorts.getOrDefault(role, -1);
  }

  /** Snapshots of all open sessions, taken on their event loops. */
  public Future<List<SessionInfo>> sessions() {
    List<Future<SessionInfo>> all = new ArrayList<>();
    for (ProxyPort p : ports.values()) {
      for (ProxyConnection c : p.connections()) {
        all.add(c.snapshot());
      }
    }
    return Future.all(all).map(cf -> cf.<SessionInfo>list());
  }

  /** Open client connections on a port (the gauge's value). */
  public int openConnections(ProxyRole role) {
    ProxyPort p = ports.get(role);
    return p == null ? 0 : p.metrics().open.get();
  }

  private void masterChanged(MasterRoute current) {
    for (ProxyRole role : new ProxyRole[] {ProxyRole.RW, ProxyRole.INTERNAL}) {
      ProxyPort p = ports.get(role);
      if (p != null) {
        for (ProxyConnection c : p.connections()) {
          c.closeIfRoutedTo(current);
        }
      }
    }
  }

  /**
   * Applies new limits without a restart (config hot reload): the connection limit and the backend
   * connect timeout apply to connections accepted from now on, the idle timeout to every connection
   * at its next sweep.
   */
  public void applyLimits(int maxConnections, Duration connectTimeout, Duration idleTimeout) {
    for (ProxyPort p : ports.values()) {
      ProxySettings s = p.settings();
      p.update(s.withLimits(maxConnections, connectTimeout, idleTimeout, s.maxPacketSize()));
    }
  }

  /** Replaces the addresses allowed on the internal port (the members, as the membership changes). */
  public void applyMemberHosts(Set<String> hosts) {
    for (ProxyPort p : ports.values()) {
      p.update(p.settings().withMembers(hosts));
    }
  }

  /**
   * Sets how fresh RO-port reads must be (at start and on config hot reload); statements that
   * start afterwards use it. {@code barrier} answers read indexes and replica lag.
   */
  public void applyReadPolicy(ReadPolicy policy, ReadBarrier barrier) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(barrier, "barrier");
    ProxyPort ro = ports.get(ProxyRole.RO);
    if (ro != null) {
      ro.readPolicy(policy, barrier);
    }
  }

  /** The RO port's read policy now (LOCAL when there is no RO port). */
  public ReadPolicy readPolicy() {
    ProxyPort ro = ports.get(ProxyRole.RO);
    return ro == null ? ReadPolicy.LOCAL : ro.readPolicy();
  }

  /** Stops listening and closes every open session. */
  public Future<Void> stop() {
    for (ProxyPort p : ports.values()) {
      for (ProxyConnection c : p.connections()) {
        c.closeSoon();
      }
    }
    List<Future<?>> undeploy = new ArrayList<>();
    for (String id : deployments) {
      undeploy.add(vertx.undeploy(id));
    }
    deployments.clear();
    return Future.all(undeploy).mapEmpty();
  }
}
