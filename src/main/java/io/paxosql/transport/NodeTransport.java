package io.paxosql.transport;

import io.paxosql.tls.SenderCheck;
import io.paxosql.tls.VertxTls;
import io.paxosql.transport.proto.BackupChunk;
import io.paxosql.transport.proto.BackupRequest;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.SeedCaughtUpRequest;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's end of the node-to-node links: a vertx-grpc server for what peers send
 * ({@link InboundServer}), and one {@link PeerChannel} per peer for what this node sends ({@link PeerLinks}).
 * Everything runs on the context that called {@link #start}.
 *
 * <p>Who may talk: with TLS (the default) the TLS handshake admits only peers holding a certificate of
 * the cluster CA, and every call is then checked by {@link SenderCheck}: the sender is the node id in that
 * certificate, it must be a member now ({@link Handler#isMember}), and the {@code from} a message carries
 * must agree. Traffic from another cluster or addressed to another node is refused too. Each refusal is
 * counted by reason ({@link #refusals()}) and logged once per sender and reason ({@link InboundGate}).
 */
public final class NodeTransport {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);
  /**
   * HTTP/2 flow-control windows. The 64 KB default makes a 1 MB batch wait for many window updates;
   * a few MB per stream lets a whole batch (accepts of a large value, a catch-up message) go at once.
   */
  static final int STREAM_WINDOW = 8 << 20;
  static final int CONNECTION_WINDOW = 32 << 20;

  /** Refusal reasons beside {@link SenderCheck.Verdict}'s, as counted by {@link #refusals()}. */
  public static final String REFUSED_TLS = "tls-handshake";
  public static final String REFUSED_CLUSTER = "wrong-cluster";
  public static final String REFUSED_CONNECTIONS = "connection-cap";
  /** A message above {@link TransportConfig#maxMessageBytes}: dropped unread, the stream goes on. */
  public static final String REFUSED_TOO_LARGE = "message-too-large";

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

    /**
     * Node {@code from} (its certificate's id under TLS), seeded from this node's backup, caught up: its log
     * was applied below {@code appliedBelow}. Answers how many of this node's holds for it were released.
     */
    int onCaughtUp(int from, long appliedBelow);
  }

  private final TransportConfig cfg;
  private final PeerLinks links;
  private final InboundGate gate;
  private final InboundServer server;
  private final Context context;

  private NodeTransport(Vertx vertx, Context context, TransportConfig cfg, FaultInjector faults, Handler handler) {
    this.cfg = cfg;
    this.context = context;
    this.links = new PeerLinks(vertx, context, cfg, faults);
    // A member, or a node this one links to: `add-member` gives every member the joiner's address before
    // proposing it, and the joiner catches up as a learner in between.
    this.gate = new InboundGate(cfg, id -> handler.isMember(id) || links.linked(id));
    this.server = new InboundServer(vertx, cfg, faults, handler, gate, links);
  }

  /** Starts listening; call it on the context that will own this transport (its links send from there). */
  public static Future<NodeTransport> start(Vertx vertx, TransportConfig cfg, FaultInjector faults, Handler handler) {
    Context context = vertx.getOrCreateContext();
    Future<Void> ready = cfg.tls() == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      VertxTls.preload();
      return null;
    });
    // Made once the TLS libraries are loaded: the links' options choose the engine, which loads OpenSSL.
    return ready.compose(x -> {
      NodeTransport t = new NodeTransport(vertx, context, cfg, faults, handler);
      return t.server.listen().map(t);
    });
  }

  /**
   * Makes the peers exactly {@code peers} (id → "host:port", this node excluded): links to new ids open,
   * links to ids no longer listed close, a changed address reconnects. Membership changes call it at run
   * time; it is the one place a peer link is made or dropped. On the transport's context.
   */
  public void setPeers(Map<Integer, String> peers) {
    links.set(peers);
  }

  /** Whether the outgoing link to {@code peer} is open now. */
  public boolean linkedTo(int peer) {
    return links.connected(peer);
  }

  /** The peers this node links to now: id → "host:port". */
  public Map<Integer, String> peers() {
    return links.addresses();
  }

  /** Serves the member-only calls beside the log (read index, init) from now on. */
  public void serveMemberCalls(MemberCalls calls) {
    server.serveMemberCalls(calls);
  }

  /** Who answers peers' backup requests; until set, they are refused as UNAVAILABLE. */
  public void serveBackups(BackupSource source) {
    server.serveBackups(source);
  }

  public int port() {
    return server.port();
  }

  /** The cluster id every request of this node carries. */
  public long clusterId() {
    return cfg.clusterId();
  }

  /** Sends one envelope to {@code e.getTo()}; drops it if the link is cut by the fault injector. */
  public void send(Envelope e) {
    links.send(e);
  }

  /** Forwards a proposal to {@code peer} (the leader). */
  public Future<ProposeReply> propose(int peer, ProposeRequest r) {
    return links.propose(peer, r);
  }

  /** Opens a catch-up stream from {@code peer}. */
  public Future<ReadStream<ValuesBatch>> catchUp(int peer, CatchUpRequest r) {
    return links.catchUp(peer, r);
  }

  /** Asks member {@code peer} (the master) for its read index; runs the call on this transport's context. */
  public Future<String> readIndex(int peer) {
    return onContext(() -> links.readIndex(peer));
  }

  /** Tells member {@code peer} the member list `admin init` was given here. */
  public Future<Void> initPeer(int peer, List<String> members) {
    return onContext(() -> links.initPeer(peer, members));
  }

  /** Opens a backup stream from {@code peer}: a header, mbstream bytes, a trailer. */
  public Future<ReadStream<BackupChunk>> backup(int peer, BackupRequest r) {
    return links.backup(peer, r);
  }

  /** Tells donor {@code peer} that this node, seeded from its backup, caught up (see {@link BackupSource#onCaughtUp}). */
  public Future<Integer> seedCaughtUp(int peer, SeedCaughtUpRequest r) {
    return onContext(() -> links.seedCaughtUp(peer, r));
  }

  private <T> Future<T> onContext(Supplier<Future<T>> call) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(p));
    return p.future();
  }

  /** Refused connections, calls and messages by reason (see {@link SenderCheck.Verdict} and REFUSED_*). */
  public Map<String, Long> refusals() {
    return gate.refusals();
  }

  /** Refusals for one reason. */
  public long refused(String reason) {
    return gate.refused(reason);
  }

  /**
   * How each outgoing link fared since the last call, one line per link where a message waited at least
   * {@code notableNanos} to leave or a big accept was sent twice; on the transport's context.
   */
  public List<String> takeLinkReports(long notableNanos) {
    return links.takeReports(notableNanos);
  }

  /** Messages dropped because a link's buffer was full. */
  public long dropped() {
    return links.dropped();
  }

  public Future<Void> close() {
    links.closeChannels();
    return server.close().eventually(links::closeClient);
  }
}
