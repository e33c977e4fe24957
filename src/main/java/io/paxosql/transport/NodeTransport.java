package io.paxosql.transport;

import io.paxosql.transport.proto.BackupChunk;
import io.paxosql.transport.proto.BackupRequest;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.PaxosTransportGrpcClient;
import io.paxosql.transport.proto.PaxosTransportGrpcService;
import io.paxosql.transport.proto.PaxosTransportService;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.StreamAck;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.StatusException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's end of the node-to-node links: a vertx-grpc server for what peers send, and one
 * {@link PeerChannel} per peer for what this node sends. Everything runs on the context that called
 * {@link #start}. Traffic from another cluster, or addressed to another node, is rejected and logged
 * (once per sender).
 */
public final class NodeTransport {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);
  /** A promise may list a whole pipeline window of accepted values, each up to the batch cap. */
  public static final long MAX_MESSAGE_BYTES = 256L << 20;
  /**
   * HTTP/2 flow-control windows. The 64 KB default makes a 1 MB batch wait for many window updates;
   * a few MB per stream lets a whole batch (accepts of a large value, a catch-up message) go at once.
   */
  private static final int STREAM_WINDOW = 8 << 20;
  private static final int CONNECTION_WINDOW = 32 << 20;

  /** What the node does with incoming traffic; called on the transport's context. */
  public interface Handler {
    void onMessage(Envelope e);

    Future<ProposeReply> onPropose(ProposeRequest r);

    /** Writes batches to {@code out} and ends it. */
    void onCatchUp(CatchUpRequest r, WriteStream<ValuesBatch> out);
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
  private HttpServer server;
  private long rejected;
  private volatile BackupSource backups;

  private NodeTransport(Vertx vertx, TransportConfig cfg, FaultInjector faults, Handler handler) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.faults = faults;
    this.handler = handler;
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setConnectTimeout((int) cfg.requestTimeout().toMillis())
        .setInitialSettings(new Http2Settings().setInitialWindowSize(STREAM_WINDOW))
        .setHttp2ConnectionWindowSize(CONNECTION_WINDOW);
    if (cfg.tls() != null) {
      http.setSsl(true).setUseAlpn(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cfg.tls().certPath().toString())
              .setKeyPath(cfg.tls().keyPath().toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(cfg.tls().caPath().toString()));
    }
    this.grpcClient = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(MAX_MESSAGE_BYTES), http);
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
    return t.listen().map(t);
  }

  private Future<Void> listen() {
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(MAX_MESSAGE_BYTES));
    grpc.addService(PaxosTransportGrpcService.of(new Service()));
    HttpServerOptions opts = new HttpServerOptions().setHost(cfg.host()).setPort(cfg.port())
        .setInitialSettings(new Http2Settings().setInitialWindowSize(STREAM_WINDOW))
        .setHttp2ConnectionWindowSize(CONNECTION_WINDOW);
    if (cfg.tls() != null) {
      opts.setSsl(true).setUseAlpn(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cfg.tls().certPath().toString())
              .setKeyPath(cfg.tls().keyPath().toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(cfg.tls().caPath().toString()));
    }
    return vertx.createHttpServer(opts).requestHandler(grpc).listen().map(s -> {
      server = s;
      LOG.info("node {} transport listening on {}:{}{}", cfg.nodeId(), cfg.host(), s.actualPort(),
          cfg.tls() != null ? " (mutual TLS)" : "");
      return null;
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

  /** Messages rejected for naming another cluster or node. */
  public long rejected() {
    return rejected;
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

  private boolean accept(long clusterId, int from, int to, String what) {
    if (clusterId == cfg.clusterId() && to == cfg.nodeId()) {
      return true;
    }
    rejected++;
    String key = clusterId + "/" + from + "/" + to;
    if (rejectedLogged.add(key)) {
      LOG.warn("node {} (cluster {}) rejected a {} from node {} of cluster {} addressed to node {}: check that "
          + "every node's cluster id and peer list match", cfg.nodeId(), cfg.clusterId(), what, from, clusterId, to);
    }
    return false;
  }

  private StatusException rejection(long clusterId, int to) {
    return new StatusException(GrpcStatus.PERMISSION_DENIED, "this is node " + cfg.nodeId() + " of cluster "
        + cfg.clusterId() + ", not node " + to + " of cluster " + clusterId);
  }

  private final class Service extends PaxosTransportService {
    @Override
    protected void messages(ReadStream<Envelope> in, Completable<StreamAck> response) {
      boolean[] failed = {false};
      boolean[] first = {true};
      in.handler(e -> {
        if (failed[0]) {
          return;
        }
        if (!accept(e.getClusterId(), e.getFrom(), e.getTo(), "message")) {
          failed[0] = true;
          response.fail(rejection(e.getClusterId(), e.getTo()));
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
      in.exceptionHandler(err -> LOG.debug("incoming stream to {} broke: {}", cfg.nodeId(), err.toString()));
      in.endHandler(v -> {
        if (!failed[0]) {
          response.succeed(StreamAck.getDefaultInstance());
        }
      });
    }

    @Override
    public Future<ProposeReply> propose(ProposeRequest r) {
      if (!accept(r.getClusterId(), r.getFrom(), cfg.nodeId(), "forwarded proposal")) {
        return Future.failedFuture(rejection(r.getClusterId(), cfg.nodeId()));
      }
      if (faults.blocked(r.getFrom(), cfg.nodeId())) {
        return Future.failedFuture(new StatusException(GrpcStatus.UNAVAILABLE, "cut by the fault injector"));
      }
      return handler.onPropose(r);
    }

    @Override
    protected void catchUp(CatchUpRequest r, WriteStream<ValuesBatch> out) {
      if (!accept(r.getClusterId(), r.getFrom(), cfg.nodeId(), "catch-up request")) {
        failStream(out, rejection(r.getClusterId(), cfg.nodeId()));
        return;
      }
      handler.onCatchUp(r, out);
    }

    @Override
    protected void backup(BackupRequest r, WriteStream<BackupChunk> out) {
      if (!accept(r.getClusterId(), r.getFrom(), cfg.nodeId(), "backup request")) {
        failStream(out, rejection(r.getClusterId(), cfg.nodeId()));
        return;
      }
      BackupSource source = backups;
      if (source == null || faults.blocked(r.getFrom(), cfg.nodeId())) {
        failStream(out, new StatusException(GrpcStatus.UNAVAILABLE, "node " + cfg.nodeId()
            + " does not serve backups yet (it is starting); ask another member or retry"));
        return;
      }
      source.onBackup(r, out);
    }
  }

  private static void failStream(WriteStream<?> out, StatusException e) {
    if (out instanceof GrpcServerResponse<?, ?> resp) {
      resp.status(e.status()).statusMessage(e.message()).end();
    } else {
      out.end();
    }
  }
}
