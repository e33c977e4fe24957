package io.paxosql.proxy;

import io.paxosql.tls.VertxTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One event loop's share of the proxy: a server per enabled port (Vert.x spreads connections over
 * the instances listening on the same port) and a client for backend connections.
 */
final class ProxyVerticle extends VerticleBase {
  private final Map<ProxyRole, ProxyPort> ports;
  private final Map<ProxyRole, Integer> bindPorts;
  private final List<NetServer> servers = new ArrayList<>();
  private NetClient backends;
  /** TLS client for the internal hop to the master, when the hop is secured. */
  private NetClient memberClient;

  ProxyVerticle(Map<ProxyRole, ProxyPort> ports, Map<ProxyRole, Integer> bindPorts) {
    this.ports = ports;
    this.bindPorts = bindPorts;
  }

  @Override
  public Future<?> start() {
    ProxySettings s = ports.values().iterator().next().settings();
    NetClientOptions clientOptions = new NetClientOptions()
        .setConnectTimeout((int) Math.max(1, s.backendConnectTimeout().toMillis()))
        .setTcpNoDelay(true);
    backends = vertx.createNetClient(clientOptions);
    MemberHop hop = ports.values().iterator().next().memberHop();
    if (hop.secured()) {
      memberClient = vertx.createNetClient(VertxTls.client(new NetClientOptions(clientOptions), hop.tls())
          .setHostnameVerificationAlgorithm("HTTPS"));
    }
    List<Future<NetServer>> listening = new ArrayList<>();
    for (Map.Entry<ProxyRole, ProxyPort> e : ports.entrySet()) {
      ProxyPort port = e.getValue();
      NetServerOptions options = new NetServerOptions()
          .setHost(s.listenHost()).setPort(bindPorts.get(e.getKey()))
          .setTcpNoDelay(true).setAcceptBacklog(2048);
      boolean secured = e.getKey() == ProxyRole.INTERNAL && port.memberHop().secured();
      if (secured) {
        VertxTls.server(options, port.memberHop().tls());
      }
      NetServer server = vertx.createNetServer(options);
      if (secured) {
        // Errors before a connection is handed over are, here, handshakes without a cluster certificate.
        server.exceptionHandler(err -> port.metrics().refusedTls.increment());
      }
      server.connectHandler(socket -> new ProxyConnection(port, socket, backends, memberClient, context).start());
      servers.add(server);
      listening.add(server.listen());
    }
    startIdleSweep(s);
    return Future.all(listening);
  }

  /**
   * Closes connections idle for the configured time. Done here rather than with Netty's idle
   * handler, which allocates a promise and a listener for every write on the hot path; a relay
   * only marks each read, and this sweep checks the marks. The timeout is read at every sweep, so
   * a live change ({@link ProxyServer#applyLimits}) applies to open connections too; the sweep
   * period (at most 1 s) bounds its precision.
   */
  private void startIdleSweep(ProxySettings s) {
    long initial = s.idleTimeout().toMillis();
    long period = initial == 0 ? 1000 : Math.max(50, Math.min(initial / 4, 1000));
    vertx.setPeriodic(period, id -> {
      for (ProxyPort port : ports.values()) {
        long idleMillis = port.settings().idleTimeout().toMillis();
        if (idleMillis == 0) {
          continue;
        }
        int sweepsUntilIdle = (int) Math.max(1, (idleMillis + period - 1) / period);
        for (ProxyConnection c : port.connections()) {
          if (c.context() == context) {
            c.sweepIdle(sweepsUntilIdle);
          }
        }
      }
    });
  }

  int actualPort(ProxyRole role) {
    int i = new ArrayList<>(ports.keySet()).indexOf(role);
    return servers.get(i).actualPort();
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    for (NetServer server : servers) {
      closing.add(server.close());
    }
    closing.add(backends.close());
    if (memberClient != null) {
      closing.add(memberClient.close());
    }
    return Future.all(closing);
  }
}
