package io.paxosql.proxy;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the proxy needs from configuration. A port of -1 disables that listener; 0 picks a
 * free one (tests).
 *
 * @param backendHost the local MariaDB
 * @param proxyProtocol send a PROXY protocol v1 header to the local MariaDB so it sees the
 *     client's address (needs proxy_protocol_networks on the server); the internal hop always gets one
 * @param memberHosts addresses allowed to connect to the internal port
 * @param maxConnectionsPerPort beyond this, clients get ERR 1040 "Too many connections"
 * @param idleTimeout a connection with no traffic either way for this long is closed; zero: never
 * @param maxPacketSize largest client packet relayed (like max_allowed_packet); larger gets ERR 1153
 * @param writeQueueBytes per-direction bytes queued towards a slow peer before the other side pauses
 * @param eventLoops event-loop threads serving the ports
 */
public record ProxySettings(
    String listenHost,
    int rwPort,
    int roPort,
    int internalPort,
    String backendHost,
    int backendPort,
    boolean proxyProtocol,
    Set<String> memberHosts,
    int maxConnectionsPerPort,
    Duration backendConnectTimeout,
    Duration idleTimeout,
    long maxPacketSize,
    int writeQueueBytes,
    int eventLoops) {

  public ProxySettings {
    Objects.requireNonNull(listenHost, "listenHost");
    Objects.requireNonNull(backendHost, "backendHost");
    memberHosts = Set.copyOf(memberHosts);
    Objects.requireNonNull(backendConnectTimeout, "backendConnectTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    for (int p : new int[] {rwPort, roPort, internalPort}) {
      if (p < -1 || p > 65535) {
        throw new IllegalArgumentException("proxy ports must be -1 (off), 0 (any) or 1-65535, got " + p);
      }
    }
    if (backendPort <= 0 || backendPort > 65535) {
      throw new IllegalArgumentException("backend port must be 1-65535, got " + backendPort);
    }
    if (maxConnectionsPerPort < 1) {
      throw new IllegalArgumentException("maxConnectionsPerPort must be >= 1, got "
          + maxConnectionsPerPort);
    }
    if (backendConnectTimeout.isNegative() || backendConnectTimeout.isZero()) {
      throw new IllegalArgumentException("backendConnectTimeout must be positive");
    }
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException("idleTimeout must be >= 0 (0 = never)");
    }
    if (maxPacketSize < 1024) {
      throw new IllegalArgumentException("maxPacketSize must be >= 1024 bytes, got " + maxPacketSize);
    }
    if (writeQueueBytes < 4096) {
      throw new IllegalArgumentException("writeQueueBytes must be >= 4096, got " + writeQueueBytes);
    }
    if (eventLoops < 1) {
      throw new IllegalArgumentException("eventLoops must be >= 1, got " + eventLoops);
    }
  }

  /** Defaults for a node whose MariaDB listens on {@code backendHost:backendPort}. */
  public static ProxySettings defaults(String backendHost, int backendPort) {
    return new ProxySettings("127.0.0.1", -1, -1, -1, backendHost, backendPort, false,
        Set.of("127.0.0.1"), 1000, Duration.ofSeconds(3), Duration.ofHours(8), 1L << 30,
        256 * 1024, 1);
  }

  public ProxySettings withPorts(int rw, int ro, int internal) {
    return new ProxySettings(listenHost, rw, ro, internal, backendHost, backendPort, proxyProtocol,
        memberHosts, maxConnectionsPerPort, backendConnectTimeout, idleTimeout, maxPacketSize,
        writeQueueBytes, eventLoops);
  }

  public ProxySettings withProxyProtocol(boolean on) {
    return new ProxySettings(listenHost, rwPort, roPort, internalPort, backendHost, backendPort, on,
        memberHosts, maxConnectionsPerPort, backendConnectTimeout, idleTimeout, maxPacketSize,
        writeQueueBytes, eventLoops);
  }

  public ProxySettings withLimits(int maxConnections, Duration connectTimeout, Duration idle,
      long maxPacket) {
    return new ProxySettings(listenHost, rwPort, roPort, internalPort, backendHost, backendPort,
        proxyProtocol, memberHosts, maxConnections, connectTimeout, idle, maxPacket,
        writeQueueBytes, eventLoops);
  }

  public ProxySettings withMembers(Set<String> members) {
    return new ProxySettings(listenHost, rwPort, roPort, internalPort, backendHost, backendPort,
        proxyProtocol, members, maxConnectionsPerPort, backendConnectTimeout, idleTimeout,
        maxPacketSize, writeQueueBytes, eventLoops);
  }

  public ProxySettings withEventLoops(int n) {
    return new ProxySettings(listenHost, rwPort, roPort, internalPort, backendHost, backendPort,
        proxyProtocol, memberHosts, maxConnectionsPerPort, backendConnectTimeout, idleTimeout,
        maxPacketSize, writeQueueBytes, n);
  }
}
