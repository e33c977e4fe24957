package io.paxosql.transport;

import io.paxosql.tls.TlsFiles;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where this node listens, where its peers are, and how to secure, bound and retry the links.
 *
 * @param clusterId      carried in every message; messages of another cluster are rejected and logged
 * @param nodeId         this node
 * @param host           address to listen on
 * @param port           port to listen on (0 picks a free one)
 * @param peers          every other node: id → "host:port"
 * @param tls            certificates for mutual TLS between members, or null for plain text
 *                       ({@code tls.mode: off}: senders are then known only by what they write)
 * @param backoffMin     first reconnect delay after a link fails; doubles up to {@code backoffMax}
 * @param backoffMax     longest reconnect delay
 * @param requestTimeout how long a forwarded proposal or a catch-up stream may take
 * @param maxMessageBytes largest message this node accepts from a peer, either way: a message of the Paxos
 *                       stream or a request it serves, and a reply it gets as a client (catch-up batches)
 * @param idleTimeout    a connection with no traffic either way for this long is closed (peers reconnect)
 * @param maxConnections connections the Paxos port holds at once; more are closed at once
 */
public record TransportConfig(long clusterId, int nodeId, String host, int port, Map<Integer, String> peers,
                              TlsFiles tls, Duration backoffMin, Duration backoffMax, Duration requestTimeout,
                              long maxMessageBytes, Duration idleTimeout, int maxConnections) {

  /**
   * Ceiling of {@code maxMessageBytes}. A node sets its own bound from the batch cap
   * ({@link #withBatchBytes}): every message between nodes now carries at most about one value, since the
   * core cuts catch-up answers and promises into parts of at most maxBatchBytes of values.
   */
  public static final long MAX_MESSAGE_BYTES = 256L << 20;

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
    if (maxMessageBytes < 1024 || maxMessageBytes > MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException("maxMessageBytes must be 1 KiB-256 MiB, got " + maxMessageBytes);
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero() || maxConnections < 1) {
      throw new IllegalArgumentException("need a positive idleTimeout and maxConnections, got " + idleTimeout
          + " and " + maxConnections);
    }
  }

  /** Plain text, messages up to 16 MiB, 2 minutes idle, 64 connections. */
  public static TransportConfig plain(long clusterId, int nodeId, String host, int port, Map<Integer, String> peers) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, null, Duration.ofMillis(50), Duration.ofSeconds(2),
        Duration.ofSeconds(10), 16L << 20, Duration.ofMinutes(2), 64);
  }

  public TransportConfig withTls(TlsFiles t) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, t, backoffMin, backoffMax, requestTimeout,
        maxMessageBytes, idleTimeout, maxConnections);
  }

  /**
   * Messages up to about twice a batch, either way. Every Paxos message carries at most one value or, cut
   * by the core, values of at most maxBatchBytes in all (a value above that alone), so one message holds
   * less than two batches; a catch-up stream batch ends after the value that crosses its byte target (at
   * most 1 MiB), so it holds at most that target plus one value. The 1 MiB on top covers both, and the
   * framing: protobuf adds a few bytes per value and entry beyond what a value's size counts.
   */
  public TransportConfig withBatchBytes(int maxBatchBytes) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, tls, backoffMin, backoffMax, requestTimeout,
        2L * maxBatchBytes + (1 << 20), idleTimeout, maxConnections);
  }

  public TransportConfig withLimits(Duration idle, int connections) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, tls, backoffMin, backoffMax, requestTimeout,
        maxMessageBytes, idle, connections);
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
