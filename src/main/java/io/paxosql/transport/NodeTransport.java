package io.paxosql.transport;

import io.paxosql.tls.MemberIdentity;
import io.paxosql.tls.SenderCheck;
import io.paxosql.tls.VertxTls;
import io.paxosql.transport.proto.BackupChunk;
import io.paxosql.transport.proto.BackupRequest;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.InitPeerReply;
import io.paxosql.transport.proto.InitPeerRequest;
import io.paxosql.transport.proto.PaxosTransportGrpcClient;
import io.paxosql.transport.proto.PaxosTransportGrpcService;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.ReadIndexReply;
import io.paxosql.transport.proto.ReadIndexRequest;
import io.paxosql.transport.proto.StreamAck;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's end of the node-to-node links: a vertx-grpc server for what peers send, and one
 * {@link PeerChannel} per peer for what this node sends. Everything runs on the context that called
 * {@link #start}.
 *
 * <p>Who may talk: with TLS (the default) the TLS handshake admits only peers holding a certificate of
 * the cluster CA, and every call is then checked by {@link SenderCheck}: the sender is the node id in that
 * certificate, it must be a member now ({@link Handler#isMember}), and the {@code from} a message carries
 * must agree. Traffic from another cluster or addressed to another node is refused too. Each refusal is
 * counted by reason ({@link #refusals()}) and logged once per sender and reason.
 */
public final class NodeTransport {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);
  /**
   * HTTP/2 flow-control windows. The 64 KB default makes a 1 MB batch wait for many window updates;
   * a few MB per stream lets a whole batch (accepts of a large value, a catch-up message) go at once.
   */
  private static final int STREAM_WINDOW = 8 << 20;
  private static final int CONNECTION_WINDOW = 32 << 20;

  /** Refusal reasons beside {@link SenderCheck.Verdict}'s, as counted by {@link #refusals()}. */
  public static final String REFUSED_TLS = "tls-handshake";
  public static final String REFUSED_CLUSTER = "wrong-cluster";
  public static final String REFUSED_CONNECTIONS = "connection-cap";

  /** What the node does with incoming traffic from members; called on the transport's context. */
  public interface Handler {
    void onMessage(Envelope e);

    Future<ProposeReply> onPropose(ProposeRequest r);

    /** Writes batches to {@code out} and ends it. */
    void onCatchUp(CatchUpRequest r, WriteStream<ValuesBatch> out);

    /** Whether {@code node} may talk to this one now: the live member set, the one place it is read. */
    boolean isMember(int node);
  }

  /** Member-only calls beside the log; called on the transport's context. */
  public interface MemberCalls {
    /** The master's read index (its chain GTID position), failing when this node is not the master. */
    Future<String> readIndex(int from);

    /** Node {@code from} ran `admin init` with {@code members}; fails naming what disagrees. */
    Future<Void> initPeer(int from, List<String> members);
  }

  /** Serves a peer's request for a backup of this node's MariaDB (node.seed); writes chunks, then ends. */
  public interface BackupSource {
    void onBackup(BackupRequest r, WriteStream<BackupChunk> out);
  }

  private final Vertx vertx;
  private final TransportConfig cfg;
  private final FaultInjector faults;
  private final Handler handler;
  private final GrpcClient grpcClient;
  private final Map<Integer, PaxosTransportGrpcClient> clients = new TreeMap<>();
  private final Map<Integer, PeerChannel> channels = new TreeMap<>();
  private final Map<Integer, String> addresses = new TreeMap<>();
  private final Set<String> rejectedLogged = ConcurrentHashMap.newKeySet();
  private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile MemberCalls memberCalls;
  private Context context;
  private HttpServer server;
  private volatile BackupSource backups;

  private NodeTransport(Vertx vertx, TransportConfig cfg, FaultInjector faults, Handler handler) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.faults = faults;
    this.handler = handler;
    for (String reason : new String[] {REFUSED_TLS, REFUSED_CLUSTER, REFUSED_CONNECTIONS}) {
      refusals.put(reason, new LongAdder());
    }
    for (SenderCheck.Verdict v : SenderCheck.Verdict.values()) {
      if (v != SenderCheck.Verdict.ACCEPT) {
        refusals.put(v.tag(), new LongAdder());
      }
    }
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        .setInitialSettings(new Http2Settings().setInitialWindowSize(STREAM_WINDOW))
        .setHttp2ConnectionWindowSize(CONNECTION_WINDOW)
        .setIdleTimeout((int) cfg.idleTimeout().toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    if (cfg.tls() != null) {
      VertxTls.client(http, cfg.tls()).setUseAlpn(true);
    }
    this.grpcClient = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(cfg.maxReplyBytes()), http);
    cfg.peers().forEach(this::addPeer);
  }

  /**
   * Makes the peers exactly {@code peers} (id → "host:port", this node excluded): links to new ids open,
   * links to ids no longer listed close, a changed address reconnects. Membership changes call it at run
   * time; it is the one place a peer link is made or dropped. On the transport's context.
   */
  public void setPeers(Map<Integer, String> peers) {
    for (Integer id : Set.copyOf(addresses.keySet())) {
      if (!peers.containsKey(id) || !peers.get(id).equals(addresses.get(id))) {
        removePeer(id);
      }
    }
    for (Map.Entry<Integer, String> p : peers.entrySet()) {
      if (p.getKey() != cfg.nodeId() && !addresses.containsKey(p.getKey())) {
        addPeer(p.getKey(), p.getValue());
        channels.get(p.getKey()).open();
        LOG.info("node {} now links to node {} at {}", cfg.nodeId(), p.getKey(), p.getValue());
      }
    }
  }

  /** Whether the outgoing link to {@code peer} is open now. */
  public boolean linkedTo(int peer) {
    PeerChannel c = channels.get(peer);
    return c != null && c.connected();
  }

  /** The peers this node links to now: id → "host:port". */
  public Map<Integer, String> peers() {
    return Map.copyOf(addresses);
  }

  private void addPeer(int id, String address) {
    String[] hp = TransportConfig.parse(id, address);
    PaxosTransportGrpcClient c = PaxosTransportGrpcClient.create(grpcClient,
        SocketAddress.inetSocketAddress(Integer.parseInt(hp[1]), hp[0]));
    addresses.put(id, address);
    clients.put(id, c);
    channels.put(id, new PeerChannel(vertx, c, cfg, id));
  }

  private void removePeer(int id) {
    PeerChannel ch = channels.remove(id);
    if (ch != null) {
      ch.close();
    }
    clients.remove(id);
    addresses.remove(id);
    LOG.info("node {} no longer links to node {}", cfg.nodeId(), id);
  }

  /** Starts listening; call it on the context that will own this transport. */
  public static Future<NodeTransport> start(Vertx vertx, TransportConfig cfg, FaultInjector faults, Handler handler) {
    NodeTransport t = new NodeTransport(vertx, cfg, faults, handler);
    Future<Void> ready = cfg.tls() == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      VertxTls.preload();
      return null;
    });
    return ready.compose(x -> t.listen()).map(t);
  }

  private Future<Void> listen() {
    context = vertx.getOrCreateContext();
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(TransportConfig.MAX_MESSAGE_BYTES));
    grpc.callHandler(PaxosTransportGrpcService.Messages, this::messages);
    grpc.callHandler(PaxosTransportGrpcService.Propose, this::propose);
    grpc.callHandler(PaxosTransportGrpcService.CatchUp, this::catchUp);
    grpc.callHandler(PaxosTransportGrpcService.ReadIndex, this::readIndex);
    grpc.callHandler(PaxosTransportGrpcService.InitPeer, this::initPeer);
    grpc.callHandler(PaxosTransportGrpcService.Backup, this::backup);
    HttpServerOptions opts = new HttpServerOptions().setHost(cfg.host()).setPort(cfg.port())
        .setInitialSettings(new Http2Settings().setInitialWindowSize(STREAM_WINDOW))
        .setHttp2ConnectionWindowSize(CONNECTION_WINDOW)
        .setIdleTimeout((int) cfg.idleTimeout().toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    if (cfg.tls() != null) {
      VertxTls.server(opts, cfg.tls()).setUseAlpn(true);
    }
    return vertx.createHttpServer(opts)
        .connectionHandler(this::onConnection)
        .exceptionHandler(this::onConnectionError)
        .requestHandler(grpc).listen().map(s -> {
          server = s;
          LOG.info("node {} transport listening on {}:{}{}", cfg.nodeId(), cfg.host(), s.actualPort(),
              cfg.tls() != null ? " (mutual TLS, members only)" : " (PLAINTEXT: tls.mode is off)");
          return null;
        });
  }

  /** Beyond {@link TransportConfig#maxConnections} a new connection is closed at once. */
  private void onConnection(HttpConnection c) {
    if (connections.incrementAndGet() > cfg.maxConnections()) {
      connections.decrementAndGet();
      refuse(REFUSED_CONNECTIONS, c.remoteAddress() + "", "connection beyond the cap of " + cfg.maxConnections());
      c.close();
      return;
    }
    c.closeHandler(v -> connections.decrementAndGet());
  }

  /** Errors before a connection exists: with TLS, mostly handshakes of peers without a cluster certificate. */
  private void onConnectionError(Throwable err) {
    boolean tls = false;
    for (Throwable t = err; t != null && !tls; t = t.getCause()) {
      tls = t instanceof SSLException;
    }
    if (tls) {
      refuse(REFUSED_TLS, "", "TLS handshake failed: " + err.getMessage());
    } else {
      LOG.debug("node {}: connection error on the Paxos port: {}", cfg.nodeId(), err.toString());
    }
  }

  /** Serves the member-only calls beside the log (read index, init) from now on. */
  public void serveMemberCalls(MemberCalls calls) {
    memberCalls = calls;
  }

  // ---- who is calling ---------------------------------------------------------------------------------

  /** The node id in the caller's certificate (verified by the handshake), empty without one or without TLS. */
  private OptionalInt certNode(GrpcServerRequest<?, ?> req) {
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
   * Admits one call or message, or counts and logs why not. {@code to} is -1 for calls that name no
   * receiver.
   */
  private boolean admit(OptionalInt certNode, long clusterId, int from, int to, String what) {
    return admit(certNode, clusterId, from, to, what, handler::isMember);
  }

  private boolean admit(OptionalInt certNode, long clusterId, int from, int to, String what, IntPredicate members) {
    if (clusterId != cfg.clusterId() || to != -1 && to != cfg.nodeId()) {
      refuse(REFUSED_CLUSTER, clusterId + "/" + from + "/" + to, "a " + what + " from node " + from + " of cluster "
          + clusterId + " addressed to node " + to + ": check that every node's cluster id and peer list match");
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

  private void refuse(String reason, String who, String message) {
    refusals.get(reason).increment();
    if (rejectedLogged.size() < 1000 && rejectedLogged.add(reason + "/" + who)) {
      LOG.warn("node {} (cluster {}) refused {}", cfg.nodeId(), cfg.clusterId(), message);
    }
  }

  private String refusalText(String what) {
    return "node " + cfg.nodeId() + " of cluster " + cfg.clusterId() + " refused the " + what
        + ": only members of this cluster, known by their certificates, may call it";
  }

  // ---- the calls --------------------------------------------------------------------------------------

  private void messages(GrpcServerRequest<Envelope, StreamAck> req) {
    OptionalInt cert = certNode(req);
    boolean[] failed = {false};
    boolean[] first = {true};
    req.handler(e -> {
      if (failed[0]) {
        return;
      }
      if (!admit(cert, e.getClusterId(), e.getFrom(), e.getTo(), "message")) {
        failed[0] = true;
        req.response().status(GrpcStatus.PERMISSION_DENIED).statusMessage(refusalText("message stream")).end();
        return;
      }
      if (first[0]) {
        first[0] = false;
        PeerChannel back = channels.get(e.getFrom());
        if (back != null) {
          back.peerIsBack();
        }
      }
      if (!faults.blocked(e.getFrom(), cfg.nodeId())) {
        handler.onMessage(e);
      }
    });
    req.exceptionHandler(err -> LOG.debug("incoming stream to {} broke: {}", cfg.nodeId(), err.toString()));
    req.endHandler(v -> {
      if (!failed[0]) {
        req.response().end(StreamAck.getDefaultInstance());
      }
    });
  }

  private void propose(GrpcServerRequest<ProposeRequest, ProposeReply> req) {
    OptionalInt cert = certNode(req);
    req.last().onSuccess(r -> {
      if (!admit(cert, r.getClusterId(), r.getFrom(), -1, "forwarded proposal")) {
        req.response().status(GrpcStatus.PERMISSION_DENIED).statusMessage(refusalText("forwarded proposal")).end();
      } else if (faults.blocked(r.getFrom(), cfg.nodeId())) {
        req.response().status(GrpcStatus.UNAVAILABLE).statusMessage("cut by the fault injector").end();
      } else {
        handler.onPropose(r).onComplete((reply, err) -> {
          if (err != null) {
            req.response().status(GrpcStatus.INTERNAL).statusMessage(String.valueOf(err.getMessage())).end();
          } else {
            req.response().end(reply);
          }
        });
      }
    });
  }

  private void catchUp(GrpcServerRequest<CatchUpRequest, ValuesBatch> req) {
    OptionalInt cert = certNode(req);
    req.last().onSuccess(r -> {
      if (!admit(cert, r.getClusterId(), r.getFrom(), -1, "catch-up request")) {
        req.response().status(GrpcStatus.PERMISSION_DENIED).statusMessage(refusalText("catch-up request")).end();
      } else {
        handler.onCatchUp(r, req.response());
      }
    });
  }

  private void readIndex(GrpcServerRequest<ReadIndexRequest, ReadIndexReply> req) {
    OptionalInt cert = certNode(req);
    req.last().onSuccess(r -> {
      MemberCalls calls = memberCalls;
      if (!admit(cert, r.getClusterId(), r.getFrom(), -1, "read-index request")) {
        req.response().status(GrpcStatus.PERMISSION_DENIED).statusMessage(refusalText("read-index request")).end();
      } else if (calls == null) {
        req.response().status(GrpcStatus.UNAVAILABLE).statusMessage("node " + cfg.nodeId() + " is starting").end();
      } else {
        calls.readIndex(r.getFrom()).onComplete((gtid, err) -> {
          if (err != null) {
            req.response().status(GrpcStatus.FAILED_PRECONDITION).statusMessage(String.valueOf(err.getMessage())).end();
          } else {
            req.response().end(ReadIndexReply.newBuilder().setGtid(gtid).setNode(cfg.nodeId()).build());
          }
        });
      }
    });
  }

  private void initPeer(GrpcServerRequest<InitPeerRequest, InitPeerReply> req) {
    OptionalInt cert = certNode(req);
    req.last().onSuccess(r -> {
      MemberCalls calls = memberCalls;
      if (!admit(cert, r.getClusterId(), r.getFrom(), -1, "init request")) {
        req.response().status(GrpcStatus.PERMISSION_DENIED).statusMessage(refusalText("init request")).end();
      } else if (calls == null) {
        req.response().status(GrpcStatus.UNAVAILABLE).statusMessage("node " + cfg.nodeId() + " is starting").end();
      } else {
        calls.initPeer(r.getFrom(), r.getMembersList()).onComplete((v, err) -> {
          if (err != null) {
            req.response().status(GrpcStatus.FAILED_PRECONDITION).statusMessage(String.valueOf(err.getMessage())).end();
          } else {
            req.response().end(InitPeerReply.newBuilder().setInitialised(true).build());
          }
        });
      }
    });
  }

  public int port() {
    return server.actualPort();
  }

  /** The cluster id every request of this node carries. */
  public long clusterId() {
    return cfg.clusterId();
  }

  /** Sends one envelope to {@code e.getTo()}; drops it if the link is cut by the fault injector. */
  public void send(Envelope e) {
    PeerChannel c = channels.get(e.getTo());
    if (c == null) {
      LOG.warn("node {} has no address for node {}; dropping a message to it", cfg.nodeId(), e.getTo());
      return;
    }
    if (faults.blocked(cfg.nodeId(), e.getTo())) {
      return;
    }
    c.send(e);
  }

  /** Forwards a proposal to {@code peer} (the leader). */
  public Future<ProposeReply> propose(int peer, ProposeRequest r) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return Future.failedFuture("no address for node " + peer);
    }
    if (faults.blocked(cfg.nodeId(), peer)) {
      return Future.failedFuture("link " + cfg.nodeId() + " -> " + peer + " cut by the fault injector");
    }
    return c.propose(r).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Opens a catch-up stream from {@code peer}. */
  public Future<ReadStream<ValuesBatch>> catchUp(int peer, CatchUpRequest r) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return Future.failedFuture("no address for node " + peer);
    }
    if (faults.blocked(cfg.nodeId(), peer) || faults.blocked(peer, cfg.nodeId())) {
      return Future.failedFuture("link with " + peer + " cut by the fault injector");
    }
    return c.catchUp(r).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Asks member {@code peer} (the master) for its read index; runs the call on this transport's context. */
  public Future<String> readIndex(int peer) {
    return onContext(() -> {
      PaxosTransportGrpcClient c = clients.get(peer);
      if (c == null) {
        return Future.failedFuture("no address for node " + peer);
      }
      return c.readIndex(ReadIndexRequest.newBuilder().setClusterId(cfg.clusterId()).setFrom(cfg.nodeId()).build())
          .timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).map(ReadIndexReply::getGtid);
    });
  }

  /** Tells member {@code peer} the member list `admin init` was given here. */
  public Future<Void> initPeer(int peer, List<String> members) {
    return onContext(() -> {
      PaxosTransportGrpcClient c = clients.get(peer);
      if (c == null) {
        return Future.failedFuture("no address for node " + peer);
      }
      return c.initPeer(InitPeerRequest.newBuilder().setClusterId(cfg.clusterId()).setFrom(cfg.nodeId())
          .addAllMembers(members).build()).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).mapEmpty();
    });
  }

  private <T> Future<T> onContext(Supplier<Future<T>> call) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(p));
    return p.future();
  }

  /** Refused connections, calls and messages by reason (see {@link SenderCheck.Verdict} and REFUSED_*). */
  public Map<String, Long> refusals() {
    Map<String, Long> out = new TreeMap<>();
    refusals.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Refusals for one reason. */
  public long refused(String reason) {
    LongAdder a = refusals.get(reason);
    return a == null ? 0 : a.sum();
  }

  /** Who answers peers' backup requests; until set, they are refused as UNAVAILABLE. */
  public void serveBackups(BackupSource source) {
    this.backups = source;
  }

  /** Opens a backup stream from {@code peer}: a header, mbstream bytes, a trailer. */
  public Future<ReadStream<BackupChunk>> backup(int peer, BackupRequest r) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return Future.failedFuture("no address for node " + peer);
    }
    if (faults.blocked(cfg.nodeId(), peer) || faults.blocked(peer, cfg.nodeId())) {
      return Future.failedFuture("link with " + peer + " cut by the fault injector");
    }
    return c.backup(r).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Messages dropped because a link's buffer was full. */
  public long dropped() {
    return channels.values().stream().mapToLong(c -> c.dropped).sum();
  }

  public Future<Void> close() {
    channels.values().forEach(PeerChannel::close);
    Future<Void> s = server != null ? server.close() : Future.succeededFuture();
    return s.eventually(() -> grpcClient.close());
  }

  private void backup(GrpcServerRequest<BackupRequest, BackupChunk> req) {
    OptionalInt cert = certNode(req);
    req.last().onSuccess(r -> {
      BackupSource source = backups;
      // A node seeds its MariaDB before `admin add-member` makes it a member: any holder of a certificate
      // from the cluster's CA (which only the operator mints) may ask, under the id its certificate names.
      if (!admit(cert, r.getClusterId(), r.getFrom(), -1, "backup request", id -> true)) {
        req.response().status(GrpcStatus.PERMISSION_DENIED).statusMessage(refusalText("backup request")).end();
      } else if (source == null || faults.blocked(r.getFrom(), cfg.nodeId())) {
        req.response().status(GrpcStatus.UNAVAILABLE).statusMessage("node " + cfg.nodeId()
            + " does not serve backups yet (it is starting); ask another member or retry").end();
      } else {
        source.onBackup(r, req.response());
      }
    });
  }
}
