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
 * @param maxReplyBytes  largest reply this node accepts as a client (catch-up batches, proposal replies)
 * @param idleTimeout    a connection with no traffic either way for this long is closed (peers reconnect)
 * @param maxConnections connections the Paxos port holds at once; more are closed at once
 */
public record TransportConfig(long clusterId, int nodeId, String host, int port, Map<Integer, String> peers,
                              TlsFiles tls, Duration backoffMin, Duration backoffMax, Duration requestTimeout,
                              long maxReplyBytes, Duration idleTimeout, int maxConnections) {

  /**
   * Largest message the Paxos port accepts. Every message but one is bounded near one value
   * (maxBatchBytes): Accept and a forwarded proposal carry one value, and the core caps the chosen values
   * of a Values reply and of a Promise at maxBatchBytes in all (a candidate further behind is told to
   * catch up first). The exception is a Promise's list of accepted-but-unchosen values: it cannot be cut
   * (the candidate would take a missing instance for unaccepted), and it holds the pipeline window
   * (alpha values, 64 x 4 MiB in a node) or more for an acceptor with a gap. A receiver that refused it
   * would stall the election that needs it, so the port keeps this bound until a Promise can come in
   * parts. Only authenticated members can send at all (mutual TLS).
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
    if (maxReplyBytes < 1024 || maxReplyBytes > MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException("maxReplyBytes must be 1 KiB-256 MiB, got " + maxReplyBytes);
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero() || maxConnections < 1) {
      throw new IllegalArgumentException("need a positive idleTimeout and maxConnections, got " + idleTimeout
          + " and " + maxConnections);
    }
  }

  /** Plain text, replies up to 16 MiB, 2 minutes idle, 64 connections. */
  public static TransportConfig plain(long clusterId, int nodeId, String host, int port, Map<Integer, String> peers) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, null, Duration.ofMillis(50), Duration.ofSeconds(2),
        Duration.ofSeconds(10), 16L << 20, Duration.ofMinutes(2), 64);
  }

  public TransportConfig withTls(TlsFiles t) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, t, backoffMin, backoffMax, requestTimeout,
        maxReplyBytes, idleTimeout, maxConnections);
  }

  /**
   * Replies up to about twice a batch: a catch-up batch ends after the value that crosses its byte target
   * (at most 1 MiB), so it holds at most that target plus one value; 1 MiB more covers both and framing.
   */
  public TransportConfig withBatchBytes(int maxBatchBytes) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, tls, backoffMin, backoffMax, requestTimeout,
        2L * maxBatchBytes + (1 << 20), idleTimeout, maxConnections);
  }

  public TransportConfig withLimits(Duration idle, int connections) {
    return new TransportConfig(clusterId, nodeId, host, port, peers, tls, backoffMin, backoffMax, requestTimeout,
        maxReplyBytes, idle, connections);
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
