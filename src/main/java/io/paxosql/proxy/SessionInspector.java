package io.paxosql.proxy;

import io.paxosql.mysql.PacketFramer;
import io.paxosql.mysql.ProtocolException;
import io.vertx.core.buffer.Buffer;

/**
 * What a connection learns from the bytes it relays: two scanning framers (one per direction) feed
 * a {@link SessionTracker}, and their packet counts and tracking anomalies go to the port's
 * counters in one add per read. Stops reading the bytes for good when the session turns to TLS or
 * compression ({@link #opaque}). Lives on the connection's event loop.
 */
final class SessionInspector {
  private static final long SERVER_PACKET_LIMIT = 1L << 40;

  private final ProxyMetrics metrics;
  private final SessionTracker tracker = new SessionTracker();
  private final PacketFramer fromClient;
  private final PacketFramer fromServer;
  /** Called when the server finished answering everything the client asked (the RO gate waits for it). */
  private final Runnable onServerIdle;
  private boolean opaque;
  private long clientPackets;
  private long serverPackets;
  private long reportedAnomalies;

  SessionInspector(ProxyMetrics metrics, long maxClientPacket, Runnable onServerIdle) {
    this.metrics = metrics;
    this.onServerIdle = onServerIdle;
    this.fromClient = PacketFramer.scanning(maxClientPacket, SessionTracker.CLIENT_PREFIX_HANDSHAKE,
        this::onClientPacket);
    this.fromServer = PacketFramer.scanning(SERVER_PACKET_LIMIT, SessionTracker.SERVER_PREFIX_HANDSHAKE,
        this::onServerPacket);
  }

  SessionTracker tracker() {
    return tracker;
  }

  /** TLS or compression began: the bytes are no longer MySQL packets we can read. */
  boolean opaque() {
    return opaque;
  }

  boolean atClientPacketBoundary() {
    return fromClient.atPacketBoundary();
  }

  /**
   * Frames a read from the client.
   *
   * @throws io.paxosql.mysql.PacketTooLargeException a packet over the port's maximum
   * @throws ProtocolException bytes that are not MySQL packets
   */
  void fromClient(Buffer chunk) throws ProtocolException {
    if (!opaque) {
      fromClient.feed(chunk);
    }
  }

  /** Frames a read from the server; throws ProtocolException for bytes that are not MySQL packets. */
  void fromServer(Buffer chunk) throws ProtocolException {
    if (!opaque) {
      fromServer.feed(chunk);
    }
  }

  /**
   * Adds the packets counted since the last call to the port's counters; returns the newest anomaly's
   * text when the tracker met one since, else null.
   */
  String flushCounts() {
    if (clientPackets > 0) {
      metrics.packetsFromClient.increment(clientPackets);
      clientPackets = 0;
    }
    if (serverPackets > 0) {
      metrics.packetsFromServer.increment(serverPackets);
      serverPackets = 0;
    }
    long anomalies = tracker.anomalies();
    if (anomalies == reportedAnomalies) {
      return null;
    }
    metrics.trackingAnomalies.increment(anomalies - reportedAnomalies);
    reportedAnomalies = anomalies;
    return tracker.lastAnomaly();
  }

  private void onClientPacket(int seq, int lastSeq, long length, byte[] prefix, int n) {
    clientPackets++;
    if (tracker.onClientPacket(seq, lastSeq, length, prefix, n)) {
      goOpaque();
    }
  }

  private void onServerPacket(int seq, int lastSeq, long length, byte[] prefix, int n) {
    serverPackets++;
    SessionTracker.Phase before = tracker.phase();
    tracker.onServerPacket(seq, lastSeq, length, prefix, n);
    if (tracker.idle()) {
      onServerIdle.run();
    }
    if (before != SessionTracker.Phase.COMMAND && tracker.phase() == SessionTracker.Phase.COMMAND) {
      fromClient.prefixLimit(SessionTracker.CLIENT_PREFIX_COMMAND);
      fromServer.prefixLimit(SessionTracker.SERVER_PREFIX_COMMAND);
    }
  }

  private void goOpaque() {
    opaque = true;
    fromClient.halt();
    fromServer.halt();
  }
}
