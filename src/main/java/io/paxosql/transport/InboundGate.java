package io.paxosql.transport;

import io.paxosql.tls.MemberIdentity;
import io.paxosql.tls.SenderCheck;
import io.vertx.core.http.HttpConnection;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may talk to this node's transport: the connection cap, failed TLS handshakes, and for every call
 * or message the cluster, the receiver and the sender ({@link SenderCheck}: the node id in the caller's
 * certificate, a member now, agreeing with the {@code from} it claims). Each refusal is counted by reason
 * and logged once per sender and reason. Thread-safe: calls are admitted on the server's threads.
 */
final class InboundGate {
  /** Logged under the transport's name, where operators look for its refusals. */
  private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);
  private static final int MAX_LOGGED = 1000;

  private final TransportConfig cfg;
  private final IntPredicate known;
  private final Set<String> rejectedLogged = ConcurrentHashMap.newKeySet();
  private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();

  /** {@code known}: whether a node may send (a member, or a node this one links to). */
  InboundGate(TransportConfig cfg, IntPredicate known) {
    this.cfg = cfg;
    this.known = known;
    for (String reason : new String[] {NodeTransport.REFUSED_TLS, NodeTransport.REFUSED_CLUSTER,
        NodeTransport.REFUSED_CONNECTIONS, NodeTransport.REFUSED_TOO_LARGE}) {
      refusals.put(reason, new LongAdder());
    }
    for (SenderCheck.Verdict v : SenderCheck.Verdict.values()) {
      if (v != SenderCheck.Verdict.ACCEPT) {
        refusals.put(v.tag(), new LongAdder());
      }
    }
  }

  /** Beyond {@link TransportConfig#maxConnections} a new connection is closed at once. */
  void onConnection(HttpConnection c) {
    if (connections.incrementAndGet() > cfg.maxConnections()) {
      connections.decrementAndGet();
      refuse(NodeTransport.REFUSED_CONNECTIONS, c.remoteAddress() + "",
          "connection beyond the cap of " + cfg.maxConnections());
      c.close();
      return;
    }
    c.closeHandler(v -> connections.decrementAndGet());
  }

  /** Errors before a connection exists: with TLS, mostly handshakes of peers without a cluster certificate. */
  void onConnectionError(Throwable err) {
    boolean tls = false;
    for (Throwable t = err; t != null && !tls; t = t.getCause()) {
      tls = t instanceof SSLException;
    }
    if (tls) {
      refuse(NodeTransport.REFUSED_TLS, "", "TLS handshake failed: " + err.getMessage());
    } else {
      LOG.debug("node {}: connection error on the Paxos port: {}", cfg.nodeId(), err.toString());
    }
  }

  /** The node id in the caller's certificate (verified by the handshake), empty without one or without TLS. */
  OptionalInt certNode(GrpcServerRequest<?, ?> req) {
    if (cfg.tls() == null) {
      return OptionalInt.empty();
    }
    try {
      return MemberIdentity.nodeId(req.connection().peerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      return OptionalInt.empty();
    }
  }

  /**
   * Admits one call or message from a known node, or counts and logs why not. {@code to} is -1 for calls
   * that name no receiver.
   */
  boolean admit(OptionalInt certNode, long clusterId, int from, int to, String what) {
    return admit(certNode, clusterId, from, to, what, known);
  }

  /** As {@link #admit(OptionalInt, long, int, int, String)}, with {@code members} deciding who may send. */
  boolean admit(OptionalInt certNode, long clusterId, int from, int to, String what, IntPredicate members) {
    if (clusterId != cfg.clusterId() || to != -1 && to != cfg.nodeId()) {
      refuse(NodeTransport.REFUSED_CLUSTER, clusterId + "/" + from + "/" + to, "a " + what + " from node " + from
          + " of cluster " + clusterId + " addressed to node " + to
          + ": check that every node's cluster id and peer list match");
      return false;
    }
    SenderCheck.Verdict v = SenderCheck.check(cfg.tls() != null, certNode, from, members);
    if (v == SenderCheck.Verdict.ACCEPT) {
      return true;
    }
    String cert = certNode.isPresent() ? "certificate of node " + certNode.getAsInt() : "no node id in its certificate";
    refuse(v.tag(), cert + "/" + from, "a " + what + " claiming node " + from + " (" + (cfg.tls() != null ? cert
        : "plaintext") + "): " + v.tag());
    return false;
  }

  /**
   * A message of {@code size} bytes from {@code peer} (a node id, or an address when none is known yet)
   * exceeded {@link TransportConfig#maxMessageBytes}; gRPC dropped it unread. Counted; logged once per peer.
   */
  void tooLarge(String peer, long size, String what) {
    refuse(NodeTransport.REFUSED_TOO_LARGE, peer, "a " + what + " of " + size + " bytes from " + peer
        + ": above this node's limit of " + cfg.maxMessageBytes() + " bytes (about twice paxos.maxBatchBytes);"
        + " check that every member runs the same version and batch size");
  }

  /** The status message a refused caller gets. */
  String refusalText(String what) {
    return "node " + cfg.nodeId() + " of cluster " + cfg.clusterId() + " refused the " + what
        + ": only members of this cluster, known by their certificates, may call it";
  }

  private void refuse(String reason, String who, String message) {
    refusals.get(reason).increment();
    if (rejectedLogged.size() < MAX_LOGGED && rejectedLogged.add(reason + "/" + who)) {
      LOG.warn("node {} (cluster {}) refused {}", cfg.nodeId(), cfg.clusterId(), message);
    }
  }

  Map<String, Long> refusals() {
    Map<String, Long> out = new TreeMap<>();
    refusals.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  long refused(String reason) {
    LongAdder a = refusals.get(reason);
    return a == null ? 0 : a.sum();
  }
}
