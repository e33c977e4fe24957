package io.paxosql.transport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where this node listens, where its peers are, and how to secure and retry the links.
 *
 * @param clusterId     carried in every message; messages of another cluster are rejected and logged
 * @param nodeId        this node
 * @param host          address to listen on
 * @param port          port to listen on (0 picks a free one)
 * @param peers         every other node: id → "host:port"
 * @param tls           certificates for mutual TLS between nodes, or null for plain text
 * @param backoffMin    first reconnect delay after a link fails; doubles up to {@code backoffMax}
 * @param backoffMax    longest reconnect delay
 * @param requestTimeout how long a forwarded proposal or a catch-up stream may take
 */
public record TransportConfig(long clusterId, int nodeId, String host, int port, Map<Integer, String> peers,
                              Tls tls, Duration backoffMin, Duration backoffMax, Duration requestTimeout) {

  /**
   * PEM files for mutual TLS: this node's certificate chain and private key, and the CA that signed every
   * node's certificate (each side verifies the other against it).
   */
  public record Tls(Path certPath, Path keyPath, Path caPath) {
    public Tls {
      for (Path p : new Path[] {certPath, keyPath, caPath}) {
        if (p == null || !Files.isReadable(p)) {
          throw new IllegalArgumentException("TLS file " + p + " is missing or unreadable; set transport.tls.cert,"
              + " transport.tls.key and transport.tls.ca to PEM files");
        }
      }
    }
  }

  public TransportConfig {
    peers = new TreeMap<>(peers);
    if (peers.containsKey(nodeId)) {
      throw new IllegalArgumentException("peers must not list this node (" + nodeId + ") itself");
    }
    for (Map.Entry<Integer, String> e : peers.entrySet()) {
      parse(e.getKey(), e.getValue());
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, got " + port);
    }
    if (backoffMin.isNegative() || backoffMin.isZero() || backoffMax.compareTo(backoffMin) < 0) {
      throw new IllegalArgumentException("need 0 < backoffMin <= backoffMax, got " + backoffMin + " and " + backoffMax);
    }
  }

  public static TransportConfig plain(long clusterId, int nodeId, String host, int port, Map<Integer, String> peers) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, null, Duration.ofMillis(50), Duration.ofSeconds(2),
        Duration.ofSeconds(10));
  }

  public TransportConfig withTls(Tls t) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, t, backoffMin, backoffMax, requestTimeout);
  }

  /** Splits "host:port", naming the peer when it is malformed. */
  static String[] parse(int peer, String address) {
    int colon = address == null ? -1 : address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("peer " + peer + " address '" + address + "' is not host:port");
    }
    try {
      int p = Integer.parseInt(address.substring(colon + 1));
      if (p <= 0 || p > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("peer " + peer + " address '" + address + "' has no valid port");
    }
    return new String[] {address.substring(0, colon), address.substring(colon + 1)};
  }
}
