package io.paxosql.transport;

import io.paxosql.tls.VertxTls;
import io.paxosql.transport.proto.BackupChunk;
import io.paxosql.transport.proto.BackupRequest;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.InitPeerRequest;
import io.paxosql.transport.proto.PaxosTransportGrpcClient;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.ReadIndexReply;
import io.paxosql.transport.proto.ReadIndexRequest;
import io.paxosql.transport.proto.SeedCaughtUpReply;
import io.paxosql.transport.proto.SeedCaughtUpRequest;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's outgoing links: one gRPC client and one {@link PeerLanes} (two message streams) per peer,
 * over HTTP/2 (with mutual TLS unless it is off), and the calls this node makes on them. Every call fails
 * at once for a peer without an address or a link the {@link FaultInjector} cut, and is bounded by the
 * request timeout. On the transport's context, except {@link #linked}.
 */
final class PeerLinks {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);

  private final Vertx vertx;
  private final Context context;
  private final TransportConfig cfg;
  private final FaultInjector faults;
  private final GrpcClient grpcClient;
  private final Map<Integer, PaxosTransportGrpcClient> clients = new TreeMap<>();
  private final Map<Integer, PeerLanes> channels = new TreeMap<>();
  private final Map<Integer, String> addresses = new TreeMap<>();
  /** The ids in {@link #addresses}, readable from any thread (calls are admitted on the server's threads). */
  private final Set<Integer> linked = ConcurrentHashMap.newKeySet();

  /** {@code context}: the transport's context, which every call but {@link #linked} comes from. */
  PeerLinks(Vertx vertx, Context context, TransportConfig cfg, FaultInjector faults) {
    this.vertx = vertx;
    this.context = context;
    this.cfg = cfg;
    this.faults = faults;
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        .setInitialSettings(new Http2Settings().setInitialWindowSize(NodeTransport.STREAM_WINDOW))
        .setHttp2ConnectionWindowSize(NodeTransport.CONNECTION_WINDOW)
        .setIdleTimeout((int) cfg.idleTimeout().toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    if (cfg.tls() != null) {
      VertxTls.client(http, cfg.tls()).setUseAlpn(true);
    }
    this.grpcClient = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(cfg.maxMessageBytes()), http);
    cfg.peers().forEach(this::add);
  }

  /** Makes the peers exactly {@code peers}; see {@link NodeTransport#setPeers}. */
  void set(Map<Integer, String> peers) {
    for (Integer id : Set.copyOf(addresses.keySet())) {
      if (!peers.containsKey(id) || !peers.get(id).equals(addresses.get(id))) {
        remove(id);
      }
    }
    for (Map.Entry<Integer, String> p : peers.entrySet()) {
      if (p.getKey() != cfg.nodeId() && !addresses.containsKey(p.getKey())) {
        add(p.getKey(), p.getValue());
        channels.get(p.getKey()).open();
        LOG.info("node {} now links to node {} at {}", cfg.nodeId(), p.getKey(), p.getValue());
      }
    }
  }

  private void add(int id, String address) {
    String[] hp = TransportConfig.parse(id, address);
    PaxosTransportGrpcClient c = PaxosTransportGrpcClient.create(grpcClient,
        SocketAddress.inetSocketAddress(Integer.parseInt(hp[1]), hp[0]));
    addresses.put(id, address);
    linked.add(id);
    clients.put(id, c);
    channels.put(id, new PeerLanes(vertx, context, c, cfg, id));
  }

  private void remove(int id) {
    linked.remove(id);
    PeerLanes ch = channels.remove(id);
    if (ch != null) {
      ch.close();
    }
    clients.remove(id);
    addresses.remove(id);
    LOG.info("node {} no longer links to node {}", cfg.nodeId(), id);
  }

  /** Whether this node has an address for {@code id}; from any thread. */
  boolean linked(int id) {
    return linked.contains(id);
  }

  /** Whether the outgoing link to {@code peer} is open now. */
  boolean connected(int peer) {
    PeerLanes c = channels.get(peer);
    return c != null && c.connected();
  }

  Map<Integer, String> addresses() {
    return Map.copyOf(addresses);
  }

  /** A message from {@code peer} arrived: its link back may be retried at once. */
  void peerIsBack(int peer) {
    PeerLanes back = channels.get(peer);
    if (back != null) {
      back.peerIsBack();
    }
  }

  /** Sends one envelope to {@code e.getTo()}; drops it if the link is cut by the fault injector. */
  void send(Envelope e) {
    PeerLanes c = channels.get(e.getTo());
    if (c == null) {
      LOG.warn("node {} has no address for node {}; dropping a message to it", cfg.nodeId(), e.getTo());
      return;
    }
    if (faults.blocked(cfg.nodeId(), e.getTo())) {
      return;
    }
    c.send(e);
  }

  Future<ProposeReply> propose(int peer, ProposeRequest r) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return noAddress(peer);
    }
    if (faults.blocked(cfg.nodeId(), peer)) {
      return Future.failedFuture("link " + cfg.nodeId() + " -> " + peer + " cut by the fault injector");
    }
    return c.propose(r).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  Future<ReadStream<ValuesBatch>> catchUp(int peer, CatchUpRequest r) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return noAddress(peer);
    }
    if (cutEitherWay(peer)) {
      return Future.failedFuture("link with " + peer + " cut by the fault injector");
    }
    return c.catchUp(r).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  Future<String> readIndex(int peer) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return noAddress(peer);
    }
    return c.readIndex(ReadIndexRequest.newBuilder().setClusterId(cfg.clusterId()).setFrom(cfg.nodeId()).build())
        .timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).map(ReadIndexReply::getGtid);
  }

  Future<Void> initPeer(int peer, List<String> members) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return noAddress(peer);
    }
    return c.initPeer(InitPeerRequest.newBuilder().setClusterId(cfg.clusterId()).setFrom(cfg.nodeId())
        .addAllMembers(members).build()).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).mapEmpty();
  }

  Future<ReadStream<BackupChunk>> backup(int peer, BackupRequest r) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return noAddress(peer);
    }
    if (cutEitherWay(peer)) {
      return Future.failedFuture("link with " + peer + " cut by the fault injector");
    }
    return c.backup(r).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  Future<Integer> seedCaughtUp(int peer, SeedCaughtUpRequest r) {
    PaxosTransportGrpcClient c = clients.get(peer);
    if (c == null) {
      return noAddress(peer);
    }
    if (cutEitherWay(peer)) {
      return Future.failedFuture("link with " + peer + " cut by the fault injector");
    }
    return c.seedCaughtUp(r).timeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .map(SeedCaughtUpReply::getReleased);
  }

  /** Messages dropped because a link's buffer was full. */
  long dropped() {
    return channels.values().stream().mapToLong(PeerLanes::dropped).sum();
  }

  /** Each link's timings since the last call that reached {@code notableNanos}, as "to N: ..." lines; may be empty. */
  List<String> takeReports(long notableNanos) {
    List<String> out = new ArrayList<>();
    channels.forEach((id, c) -> {
      String r = c.takeReport(notableNanos);
      if (r != null) {
        out.add("to " + id + ": " + r);
      }
    });
    return out;
  }

  void closeChannels() {
    channels.values().forEach(PeerLanes::close);
  }

  Future<Void> closeClient() {
    return grpcClient.close();
  }

  private boolean cutEitherWay(int peer) {
    return faults.blocked(cfg.nodeId(), peer) || faults.blocked(peer, cfg.nodeId());
  }

  private static <T> Future<T> noAddress(int peer) {
    return Future.failedFuture("no address for node " + peer);
  }
}
