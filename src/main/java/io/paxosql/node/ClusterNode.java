package io.paxosql.node;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.AdminException;
import io.paxosql.node.admin.PeerClient;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.node.seed.SeedPoint;
import io.paxosql.node.seed.SeedServer;
import io.paxosql.node.status.DiskUsage;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.ProgressBoard;
import io.paxosql.paxos.Ballot;
import io.paxosql.proxy.LiveMasterLocator;
import io.paxosql.proxy.MasterRoute;
import io.paxosql.proxy.ProxyServer;
import io.paxosql.transport.FaultInjector;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster member: its MariaDB, its replicated log, the chain derived from it, the binlog server
 * its MariaDB follows, the proxy, the admin port, and the role machine that decides when the node
 * promotes or fences. The composition root of a node; every field is touched on one Vert.x context.
 * {@link NodeStartup} builds the parts in order, {@link NodeStop} ends them, {@link MembershipWatch}
 * follows the membership the log chose, {@link LeaseReactions} turns the lease into role steps, and
 * {@link NodeStatusSnapshot} reports the node; this class holds them together and answers for them.
 */
public final class ClusterNode {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  private final Vertx vertx;
  private final Context context;
  private final NodeConfig config;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RoleMachine roles = new RoleMachine();
  private final LiveMasterLocator locator = new LiveMasterLocator(new MasterRoute.None("the node is starting"));
  private final InitMarker marker;
  private final JoinCandidate joinCandidate;
  private final PeerClient membershipPeers;
  private volatile boolean joinCandidatePresent;
  private final MembershipWatch membershipWatch;
  private final WindowWatch windowWatch;
  private NodeStartup startup;
  private final NodeStatusSnapshot snapshot;
  private final NodeParts parts = new NodeParts();
  private final NodeMariaDb mariadb;
  private final ReplicaLag replicaLag = new ReplicaLag();
  private final NodeSeeding seeding;
  private final EventJournal events;
  private final ProgressBoard transfer = new ProgressBoard();
  private final StatusRecorder statusRecorder;
  private volatile boolean initialised;
  private final Promise<String> failStopped = Promise.promise();
  private volatile boolean stopping;

  private ClusterNode(Vertx vertx, NodeConfig config) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.config = config;
    this.marker = new InitMarker(config.dataDir());
    this.joinCandidate = new JoinCandidate(config.dataDir());
    this.membershipPeers = new PeerClient(vertx, MembershipDiscovery.TIMEOUT_MS, this::peerAuthorization);
    this.initialised = marker.read().isPresent();
    this.mariadb = new NodeMariaDb(vertx, config);
    this.seeding = new NodeSeeding(vertx, config, mariadb);
    this.events = new EventJournal(config.nodeId());
    this.statusRecorder = new StatusRecorder(vertx, config.dataDir().resolve("paxos"), registry,
        Integer.toString(config.nodeId()));
    this.membershipWatch = new MembershipWatch(this);
    this.windowWatch = new WindowWatch(this);
    this.snapshot = new NodeStatusSnapshot(this);
  }

  /** Starts every part of the node; the future completes once it serves (as a follower). */
  public static Future<ClusterNode> start(Vertx vertx, NodeConfig config, Path configFile, FaultInjector faults) {
    ClusterNode node = new ClusterNode(vertx, config);
    NodeStartup startup = new NodeStartup(node, node.parts, node.context, configFile, faults);
    node.startup = startup;
    Promise<ClusterNode> started = Promise.promise();
    node.context.runOnContext(v -> startup.run().map(node).onComplete(started));
    return started.future();
  }

  public NodeConfig config() {
    return config;
  }

  public NodeRole role() {
    return roles.role();
  }

  public NodeMariaDb mariadb() {
    return mariadb;
  }

  public ReplicatedLog replicatedLog() {
    return parts.replog;
  }

  public ChainedLog chain() {
    return parts.chain;
  }

  public ProxyServer proxy() {
    return parts.proxy;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** This node's recent role changes, fences, elections, divergence, rebuilds and config reloads. */
  public EventJournal events() {
    return events;
  }

  /** Where a seeding or rebuild of this node's MariaDB reports its progress for the node card. */
  public ProgressBoard transfer() {
    return transfer;
  }

  StatusRecorder statusRecorder() {
    return statusRecorder;
  }

  /** Rebuilds this node's MariaDB from a member's backup (admin rebuild). */
  Future<JsonObject> rebuild(String reason) {
    Promise<JsonObject> p = Promise.promise();
    context.runOnContext(v -> seeding.rebuild(reason, new NodeRebuildSteps(this)).onComplete(p));
    return p.future();
  }

  NodeSeeding seeding() {
    return seeding;
  }

  /** A running node outside the retention window: its log and chain start over at the backup's checkpoint. */
  Future<Void> relogAt(SeedPoint point) {
    return startup.relogAt(point);
  }

  WindowWatch windowWatch() {
    return windowWatch;
  }

  /** Clean stop, in the order {@link NodeStop} explains (a master lets its commits end first). */
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      haltRoles();
      if (parts.watcher != null) {
        parts.watcher.close();
      }
      NodeStop.run(vertx, stopParts()).onComplete(ar -> {
        mariadb.close();
        done.complete();
      });
    });
    return done.future();
  }

  /**
   * Stops as a crash would: the log halts without flushing, MariaDB is killed, nothing is closed
   * cleanly. For failover tests.
   */
  public Future<Void> crash() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      haltRoles();
      if (parts.watcher != null) {
        parts.watcher.close();
      }
      NodeStop.crash(stopParts()).onComplete(ar -> {
        mariadb.close();
        done.complete();
      });
    });
    return done.future();
  }

  /**
   * Completes with the operator's message once the node stopped itself because its storage failed
   * (fail-stop): its MariaDB is killed, its log halted and the lease left to lapse. The process exits
   * non-zero on it.
   */
  public Future<String> failStopped() {
    return failStopped.future();
  }

  /**
   * Fail-stop: {@code what} can no longer persist, so this node must neither vote, serve nor let its
   * MariaDB commit. MariaDB is killed at once (a commit waiting for its ACK never returns; crash recovery
   * at the next start, as a follower, rolls it back); the log is halted, so the core stops renewing and
   * the lease lapses for the others to elect a new master.
   */
  void failStop(String what, Throwable cause) {
    if (failStopped.future().isComplete()) {
      return;
    }
    String message = "node " + config.nodeId() + " stops: " + what + " failed: " + cause.getMessage()
        + " (the node was " + roles.role() + "; its MariaDB is killed and it left the cluster, which elects"
        + " another master if needed)";
    log.error(message);
    haltRoles();
    if (parts.roleExecutor != null) {
      parts.roleExecutor.noteProblem(message);
    }
    crash().onComplete(ar -> failStopped.tryComplete(message));
  }

  /** What the node owns now, for stopping it; parts not started yet are null. */
  private NodeStop.Parts stopParts() {
    return new NodeStop.Parts(config.nodeId(), roles.role(), parts.proxy, parts.admin,
        () -> parts.roleExecutor == null ? Future.succeededFuture() : parts.roleExecutor.stopCapture(), parts.binlogServer,
        parts.chain, parts.replog, mariadb);
  }

  /** No more monitoring and no more role steps: the node is going away. */
  void haltRoles() {
    stopping = true;
    if (parts.checkpointer != null) {
      parts.checkpointer.stop();
    }
    statusRecorder.stop();
    membershipWatch.stop();
    windowWatch.stop();
    if (parts.monitor != null) {
      parts.monitor.stop();
    }
    if (parts.roleExecutor != null) {
      parts.roleExecutor.halt();
    }
  }

  // ---- initialisation ------------------------------------------------------------------------------

  boolean initialised() {
    return initialised;
  }

  Optional<List<String>> initialisedMembers() {
    return marker.read();
  }

  /** Writes the init marker (fsync, rename) on a worker thread. */
  Future<Void> markInitialised(List<String> members) {
    return vertx.executeBlocking(() -> {
      parts.directory.settleGenesis();
      parts.directory.save();
      joinCandidate.clear();
      joinCandidatePresent = false;
      marker.write(members);
      initialised = true;
      return null;
    }, false);
  }

  List<String> expectedMembers() {
    return config.members().stream().map(m -> m.host() + ":" + m.paxos()).sorted().toList();
  }

  /** Planned switchover: only the master can step down; it resigns and fences like a lost lease. */
  Future<JsonObject> stepDown() {
    Promise<JsonObject> p = Promise.promise();
    context.runOnContext(v -> {
      NodeRole r = roles.role();
      if (r != NodeRole.MASTER) {
        p.fail(new AdminException("not-master", 409,
            "node " + config.nodeId() + " is not the master (it is " + r + ")",
            "run step-down against the master's parts.admin port; `parts.admin status` shows which node it is"));
        return;
      }
      parts.roleExecutor.execute(roles.onStepDownRequested());
      p.complete(new JsonObject().put("steppingDown", true).put("node", config.nodeId()));
    });
    return p.future();
  }

  /**
   * The read index this node gives as master: its chain's GTID position, which covers every
   * transaction any client was told is committed (the capture ACKs only after the chain accepted
   * it). Answered only while this node is MASTER and holds, in wall time, the lease of the epoch it
   * serves as master, so no other node can have extended the chain meanwhile.
   */
  Future<String> readIndexHere() {
    Promise<String> p = Promise.promise();
    context.runOnContext(v -> {
      Ballot lease = parts.replog == null ? null : parts.replog.leaseHolder();
      NodeRole role = roles.role();
      long epoch = roles.epoch();
      boolean ours = lease != null && LeaseReactions.epochOf(lease) == epoch;
      if (log.isDebugEnabled()) {
        // Each decision at debug: replaying a chaos finding needs them (RESULTS, seed 236325).
        log.debug("node {}: read index asked: role {} of epoch {}, lease {} ({})", config.nodeId(), role, epoch,
            lease == null ? "not held" : "held under ballot " + lease,
            parts.replog == null ? "no log" : parts.replog.describeLease());
      }
      if (role != NodeRole.MASTER || !ours) {
        String why = role != NodeRole.MASTER ? "it is " + role
            : lease == null ? "its master lease lapsed"
            : "it holds the lease of ballot " + lease + ", not of epoch " + epoch;
        p.fail("node " + config.nodeId() + " is not the master with a lease (" + why + ")");
      } else {
        p.complete(parts.chain.state().gtids().toString());
      }
    });
    return p.future();
  }

  // ---- membership ----------------------------------------------------------------------------------

  MemberDirectory directory() {
    return parts.directory;
  }

  /** The client {@link MembershipDiscovery} asks members with. */
  PeerClient membershipPeers() {
    return membershipPeers;
  }

  /** Whether this node is a learner that an {@code add-member} may turn into a voter. */
  boolean joinable() {
    return membershipWatch.joinable();
  }

  boolean removed() {
    return membershipWatch.removed();
  }

  boolean joinCandidatePresent() {
    return joinCandidatePresent;
  }

  void joinCandidatePresent(boolean present) {
    joinCandidatePresent = present;
  }

  JoinCandidate joinCandidate() {
    return joinCandidate;
  }

  NodeStatusSnapshot snapshot() {
    return snapshot;
  }

  boolean stopping() {
    return stopping;
  }

  MembershipWatch membershipWatch() {
    return membershipWatch;
  }

  /** Call after changing the directory: the transport follows it and it is saved (on a worker thread). */
  void directoryChanged() {
    context.runOnContext(v -> {
      if (parts.replog != null) {
        parts.replog.setPeers(parts.directory.paxosPeers());
      }
      if (parts.proxy != null) {
        parts.proxy.applyMemberHosts(NodeWiring.memberHosts(parts.directory.all()));
      }
      vertx.executeBlocking(() -> {
        parts.directory.save();
        return null;
      }, true).onFailure(e -> log.error("node {} cannot save {}: {}", config.nodeId(), MemberDirectory.FILE,
          e.getMessage()));
    });
  }

  /** What this node knows of the membership, for a starting node's {@link MembershipDiscovery} and operators. */
  JsonObject membership() {
    return membershipWatch.describe();
  }

  /**
   * The size of this node's Paxos log directory (a joiner's progress), as the status recorder last
   * measured it; 0 before its first measurement.
   */
  long logBytes() {
    DiskUsage disk = statusRecorder.disk();
    return disk == null ? 0 : disk.logDirBytes();
  }

  // ---- reporting -----------------------------------------------------------------------------------

  /** This node's own facts, as peers and the status page read them. */
  JsonObject localStatus() {
    return snapshot.local();
  }

  /** The Paxos lease this node holds, in milliseconds left (0 without it). */
  long leaseRemainingMs() {
    return snapshot.leaseRemainingMs();
  }

  /**
   * Why this node cannot catch up from the log and must be rebuilt from a backup, if so: a peer answered
   * its catch-up with "snapshot needed" (the values it lacks were deleted everywhere it asked).
   */
  public Optional<String> needsRebuild() {
    var s = parts.replog == null ? null : parts.replog.snapshotNeeded();
    return s == null ? Optional.empty() : Optional.of("NeedsRebuild: this node's log ends before instance "
        + s.firstRetained() + ", where node " + s.from() + "'s log now starts; it is outside the retention window"
        + " and must be rebuilt from a backup (mariadb.autoRebuild, or parts.admin rebuild --id " + config.nodeId() + ")");
  }

  Vertx vertx() {
    return vertx;
  }

  /**
   * The Authorization header this node sends on calls to other members' admin ports: its own token.
   * It is accepted where the members share one token (as the demo's do); otherwise a member refuses
   * init-peer, and an operator runs init against it with its own token. Mutual TLS makes the
   * certificate the member's credential instead.
   */
  String peerAuthorization() {
    return "Bearer " + parts.adminToken;
  }

  /** Once the rebuilt or seeded MariaDB applied the whole chain and the log caught up, the node leaves its pause. */
  void watchCatchUp() {
    // While a rebuild replaces the log there is none to ask: the donor is tried then (bounded retries).
    seeding.watchCatchUp(() -> parts.monitor.lagTransactions() == 0 && parts.replog.caughtUp(),
        () -> parts.replog.chosenBelow(), id -> parts.replog == null || parts.replog.isMember(id));
  }

  RoleMachine roles() {
    return roles;
  }

  RoleExecutor roleExecutor() {
    return parts.roleExecutor;
  }

  NodeMonitor monitor() {
    return parts.monitor;
  }

  ReplicaLag replicaLag() {
    return replicaLag;
  }

  SeedServer seedServer() {
    return parts.seedServer;
  }

  LiveMasterLocator locator() {
    return locator;
  }
}
