package io.paxosql.proxy;

import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.mysql.PacketTooLargeException;
import io.paxosql.mysql.ProtocolException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: picks the backend, then relays bytes both ways unchanged while a
 * {@link SessionInspector} reads them. Reads are forwarded as they arrive (no
 * re-framing); a full write queue on one side pauses reading on the other, so memory per
 * connection stays near two write queues. Runs on one event loop; only {@link #closeIfRoutedTo}
 * and {@link #snapshot} are called from elsewhere, and they hop onto that loop.
 */
final class ProxyConnection {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyConnection.class);
  /** Generic server error code used for the proxy's own refusals (ER_UNKNOWN_ERROR). */
  static final int ER_UNKNOWN_ERROR = 1105;
  static final int ER_HOST_NOT_PRIVILEGED = 1130;

  private final ProxyPort port;
  private final NetSocket client;
  private final NetClient backends;
  /** TLS client for the internal hop (null when the hop is plaintext). */
  private final NetClient memberClient;
  private final Context context;
  private final SessionInspector inspector;
  private final SessionTracker tracker;
  private String clientHost;
  private int clientPort;
  private MasterRoute route;
  private NetSocket backend;
  private boolean closed;
  private boolean counted;
  /** Whether the backend has sent anything yet: a close before its greeting is told to the client. */
  private boolean backendSpoke;
  private Buffer proxyHeaderBytes;
  private boolean active = true;
  private int idleSweeps;
  /** RO port only: holds statements for BOUNDED and LINEARIZABLE reads. */
  private final ReadGate gate;

  ProxyConnection(ProxyPort port, NetSocket client, NetClient backends, NetClient memberClient, Context context) {
    this.port = port;
    this.client = client;
    this.backends = backends;
    this.memberClient = memberClient;
    this.context = context;
    this.inspector = new SessionInspector(port.metrics(), port.settings().maxPacketSize(), this::serverIdle);
    this.tracker = inspector.tracker();
    this.gate = port.role() == ProxyRole.RO ? new ReadGate(this, port, tracker, context) : null;
  }

  void start() {
    ProxyMetrics m = port.metrics();
    SocketAddress remote = client.remoteAddress();
    clientHost = remote.hostAddress();
    clientPort = remote.port();
    if (m.open.incrementAndGet() > port.settings().maxConnectionsPerPort()) {
      m.open.decrementAndGet();
      m.refusedLimit.increment();
      refuse(ErrPacket.ER_CON_COUNT_ERROR, "08004", "Too many connections");
      return;
    }
    counted = true;
    m.total.increment();
    port.register(this);
    client.pause();
    client.closeHandler(v -> close());
    client.exceptionHandler(e -> LOG.debug("client {}:{} on {} port: {}", clientHost, clientPort,
        port.role().tag(), e.toString()));
    if (port.role() == ProxyRole.INTERNAL) {
      String notMember = MemberChecks.callerRefusal(port, client, clientHost);
      if (notMember != null) {
        m.refusedNotMember.increment();
        refuse(ER_HOST_NOT_PRIVILEGED, ErrPacket.GENERAL_ERROR, notMember);
        return;
      }
      // Only now, from an authenticated member, is a PROXY header (naming the real client) believed.
      readProxyHeader();
    } else {
      route();
    }
  }

  /** The internal hop starts with the front proxy's PROXY line naming the real client. */
  private void readProxyHeader() {
    proxyHeaderBytes = Buffer.buffer(ProxyProtocolHeader.MAX_LENGTH);
    long timer = context.owner().setTimer(port.settings().backendConnectTimeout().toMillis(), t -> {
      if (!closed && route == null && backend == null) {
        port.metrics().protocolErrors.increment();
        refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, "the internal proxy port expects a PROXY "
            + "protocol line from a paxosql proxy first; clients must use the RW or RO port");
      }
    });
    client.handler(chunk -> {
      proxyHeaderBytes.appendBuffer(chunk);
      int end;
      try {
        end = ProxyProtocolHeader.endOf(proxyHeaderBytes);
        if (end < 0) {
          return;
        }
        ProxyProtocolHeader h = ProxyProtocolHeader.parse(
            proxyHeaderBytes.getString(0, end, StandardCharsets.US_ASCII.name()));
        clientHost = h.sourceHost();
        clientPort = h.sourcePort();
      } catch (IllegalArgumentException e) {
        port.metrics().protocolErrors.increment();
        refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, "bad PROXY header: " + e.getMessage());
        return;
      }
      context.owner().cancelTimer(timer);
      Buffer rest = proxyHeaderBytes.slice(end, proxyHeaderBytes.length());
      proxyHeaderBytes = rest.length() == 0 ? null : rest.copy();
      client.pause();
      client.handler(null);
      route();
    });
    client.resume();
  }

  private void route() {
    ProxySettings s = port.settings();
    MasterRoute r = port.role() == ProxyRole.RO ? null : port.locator().current();
    if (port.role() == ProxyRole.INTERNAL && !(r instanceof MasterRoute.Local)) {
      port.metrics().refusedNoMaster.increment();
      refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, "no master: this node is not the master ("
          + MemberChecks.describe(r) + "); retry through any node's RW port");
      return;
    }
    route = r;
    String host;
    int targetPort;
    boolean header;
    if (r instanceof MasterRoute.None none) {
      port.metrics().refusedNoMaster.increment();
      refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, "no master: " + none.reason());
      return;
    } else if (r instanceof MasterRoute.Remote remote) {
      host = remote.host();
      targetPort = remote.internalPort();
      header = true;
    } else {
      host = s.backendHost();
      targetPort = s.backendPort();
      header = s.proxyProtocol();
    }
    NetClient via = r instanceof MasterRoute.Remote && port.memberHop().secured() ? memberClient : backends;
    via.connect(targetPort, host).onComplete(ar -> {
      if (ar.failed()) {
        port.metrics().refusedBackend.increment();
        String cause = ar.cause().getMessage() == null ? ar.cause().toString() : ar.cause().getMessage();
        if (port.role() == ProxyRole.RO) {
          refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, "backend unavailable: this node's MariaDB at "
              + host + ":" + targetPort + " is unreachable: " + cause);
        } else if (r instanceof MasterRoute.Remote remote) {
          refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, "no master: master node " + remote.nodeId()
              + " at " + host + ":" + targetPort + " is unreachable: " + cause);
        } else {
          refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, "no master: this node is master but its "
              + "MariaDB at " + host + ":" + targetPort + " is unreachable: " + cause);
        }
        return;
      }
      NetSocket b = ar.result();
      if (closed) {
        b.close();
        return;
      }
      if (r instanceof MasterRoute.Remote remote && port.memberHop().secured() && !MemberChecks.isNode(b, remote.nodeId())) {
        b.close();
        port.metrics().refusedBackend.increment();
        refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, "no master: " + host + ":" + targetPort
            + " did not present node " + remote.nodeId() + "'s certificate; check the members' addresses");
        return;
      }
      if (header) {
        SocketAddress local = client.localAddress();
        b.write(new ProxyProtocolHeader(clientHost, clientPort, local.hostAddress(), local.port())
            .encode());
      }
      relay(b);
    });
  }

  /**
   * From here on each read is inspected (framing, tracking, limits) and forwarded unchanged as it
   * arrives. A full write queue towards one side pauses reading from the other until it drains.
   * Both sockets live on this connection's event loop.
   */
  private void relay(NetSocket b) {
    backend = b;
    int queue = port.settings().writeQueueBytes();
    client.setWriteQueueMaxSize(queue);
    backend.setWriteQueueMaxSize(queue);
    backend.closeHandler(v -> {
      if (!backendSpoke && !closed) {
        // A client waiting for the greeting would otherwise see only "end of stream", with no reason.
        port.metrics().refusedBackend.increment();
        refuse(ER_UNKNOWN_ERROR, ErrPacket.GENERAL_ERROR, (route instanceof MasterRoute.Remote remote
            ? "master node " + remote.nodeId() : "this node's MariaDB")
            + " closed the connection before its greeting; retry shortly");
      } else {
        close();
      }
    });
    backend.exceptionHandler(e -> LOG.debug("backend of {}:{}: {}", clientHost, clientPort,
        e.toString()));
    if (proxyHeaderBytes != null) {
      Buffer early = proxyHeaderBytes;
      proxyHeaderBytes = null;
      if (inspectFromClient(early)) {
        backend.write(early);
      }
    }
    client.handler(this::onClientRead);
    backend.handler(this::onServerRead);
    backend.drainHandler(v -> {
      if (gate == null || !gate.overLimit()) {
        client.resume();
      }
    });
    client.drainHandler(v -> backend.resume());
    client.resume();
    backend.resume();
  }

  private void onClientRead(Buffer chunk) {
    if (gating()) {
      gate(chunk);
    } else if (inspectFromClient(chunk)) {
      writeToBackend(chunk);
    }
  }

  private void onServerRead(Buffer chunk) {
    if (!inspectFromServer(chunk)) {
      return;
    }
    client.write(chunk);
    if (client.writeQueueFull()) {
      backend.pause();
    }
  }

  /** Looks at a read from the client before it is forwarded; false: do not forward, we closed. */
  boolean inspectFromClient(Buffer chunk) {
    if (closed) {
      return false;
    }
    active = true;
    ProxyMetrics m = port.metrics();
    m.bytesFromClient.increment(chunk.length());
    if (route != null && !route.equals(port.locator().current())) {
      m.closedByMasterChange.increment();
      close();
      return false;
    }
    try {
      inspector.fromClient(chunk);
    } catch (PacketTooLargeException e) {
      m.protocolErrors.increment();
      fail(ErrPacket.ER_NET_PACKET_TOO_LARGE, "08S01", "Got a packet bigger than the proxy's "
          + "maximum of " + e.maximum() + " bytes (like max_allowed_packet); the connection is "
          + "closed");
      return false;
    } catch (ProtocolException e) {
      m.protocolErrors.increment();
      fail(ER_UNKNOWN_ERROR, "08S01", "proxy: malformed packet from client: " + e.getMessage());
      return false;
    }
    flushCounts();
    return true;
  }

  /**
   * True when client reads must go through the {@link ReadGate} instead of straight to the backend:
   * the RO port is not LOCAL (entered only at a packet boundary), or the gate still holds bytes.
   * LOCAL sessions pay one volatile read per client read.
   */
  boolean gating() {
    if (gate == null || inspector.opaque()) {
      return false;
    }
    return gate.busy() || port.readPolicy().mode() != ReadPolicy.Mode.LOCAL
        && tracker.phase() == SessionTracker.Phase.COMMAND && inspector.atClientPacketBoundary();
  }

  /** A client read taken over by the gate (Vert.x hands each read over as a buffer of its own). */
  private void gate(Buffer chunk) {
    if (closed) {
      return;
    }
    active = true;
    gate.onClientBytes(chunk);
  }

  boolean isClosed() {
    return closed;
  }

  /** Client bytes the gate lets through: tracked like relayed ones, then written to the backend. */
  boolean forwardToBackend(Buffer bytes) {
    if (!inspectFromClient(bytes)) {
      return false;
    }
    writeToBackend(bytes);
    return true;
  }

  /** Bytes the proxy itself sends to the backend (forwarded or injected), with backpressure. */
  void writeToBackend(Buffer bytes) {
    backend.write(bytes);
    if (backend.writeQueueFull()) {
      client.pause();
    }
  }

  /** The read gate holds as much as it may: stop reading from the client until it has room. */
  void pauseClientReads() {
    client.pause();
  }

  void resumeClientReads() {
    if (backend == null || !backend.writeQueueFull()) {
      client.resume();
    }
  }

  void sendToClient(Buffer bytes) {
    client.write(bytes);
  }

  /** Ends the session with an ERR for the client (a statement we can neither run nor drop). */
  void failSession(int code, String sqlState, String message) {
    fail(code, sqlState, message);
  }

  /** Looks at a read from the server before it is forwarded; false: do not forward, we closed. */
  boolean inspectFromServer(Buffer chunk) {
    if (closed) {
      return false;
    }
    active = true;
    if (gate != null && gate.injecting()) {
      try {
        gate.onServerBytes(chunk);
      } catch (ProtocolException e) {
        port.metrics().protocolErrors.increment();
        fail(ER_UNKNOWN_ERROR, "08S01", "proxy: unreadable reply to the linearizable read's wait: "
            + e.getMessage());
      }
      return false;
    }
    backendSpoke = true;
    port.metrics().bytesFromServer.increment(chunk.length());
    try {
      inspector.fromServer(chunk);
    } catch (ProtocolException e) {
      port.metrics().protocolErrors.increment();
      LOG.warn("malformed packet from backend of {}:{}; closing: {}", clientHost, clientPort,
          e.getMessage());
      close();
      return false;
    }
    flushCounts();
    return true;
  }

  private void serverIdle() {
    if (gate != null) {
      gate.serverIdle();
    }
  }

  private void flushCounts() {
    String anomaly = inspector.flushCounts();
    if (anomaly != null) {
      LOG.debug("session of {}:{}: {}", clientHost, clientPort, anomaly);
    }
  }

  /** Sends an ERR as the server's first packet (the client waits for a greeting) and closes. */
  private void refuse(int code, String sqlState, String message) {
    LOG.info("refusing {}:{} on {} port: {}", clientHost, clientPort, port.role().tag(), message);
    sendErrAndClose(0, code, sqlState, message);
  }

  /** Cuts a relayed session with an ERR for the client. */
  private void fail(int code, String sqlState, String message) {
    LOG.warn("closing {}:{} on {} port: {}", clientHost, clientPort, port.role().tag(), message);
    sendErrAndClose(1, code, sqlState, message);
  }

  private void sendErrAndClose(int seq, int code, String sqlState, String message) {
    Buffer err = PacketCodec.encode(seq, new ErrPacket(code, sqlState, message).encode());
    client.handler(null);
    if (backend != null) {
      backend.handler(null);
      backend.close();
    }
    Future<Void> written = client.write(err);
    written.onComplete(v -> client.close());
    markClosed();
  }

  void close() {
    if (closed) {
      return;
    }
    markClosed();
    client.close();
    if (backend != null) {
      backend.close();
    }
  }

  private void markClosed() {
    if (closed) {
      return;
    }
    closed = true;
    if (counted) {
      port.metrics().open.decrementAndGet();
      port.unregister(this);
    }
  }

  /** Closes this connection if it was relayed towards a master other than {@code current}. */
  void closeIfRoutedTo(MasterRoute current) {
    context.runOnContext(v -> {
      if (!closed && route != null && !route.equals(current)) {
        LOG.info("closing {}:{} on {} port: master changed from {} to {}", clientHost, clientPort,
            port.role().tag(), route, current);
        port.metrics().closedByMasterChange.increment();
        close();
      }
    });
  }

  Context context() {
    return context;
  }

  /** Called on this connection's event loop by the idle sweep; closes after enough quiet sweeps. */
  void sweepIdle(int sweepsUntilIdle) {
    if (active) {
      active = false;
      idleSweeps = 0;
    } else if (++idleSweeps >= sweepsUntilIdle && !closed) {
      LOG.info("closing {}:{} on {} port: idle for {}", clientHost, clientPort, port.role().tag(),
          port.settings().idleTimeout());
      close();
    }
  }

  void closeSoon() {
    context.runOnContext(v -> close());
  }

  Future<SessionInfo> snapshot() {
    Promise<SessionInfo> p = Promise.promise();
    context.runOnContext(v -> p.complete(new SessionInfo(port.role(), clientHost + ":" + clientPort,
        tracker.phase(), tracker.schema(), tracker.commandInFlight(), tracker.commands(),
        tracker.anomalies(), tracker.lastAnomaly())));
    return p.future();
  }

  /** The client's address, for logs. */
  @Override
  public String toString() {
    return port.role().tag() + " client " + clientHost + ":" + clientPort;
  }
}
