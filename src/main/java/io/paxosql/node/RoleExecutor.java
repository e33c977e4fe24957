package io.paxosql.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.config.NodeConfig;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleCommand;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.EventKind;
import io.paxosql.paxos.Status;
import io.paxosql.proxy.LiveMasterLocator;
import io.paxosql.proxy.MasterRoute;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out what the {@link RoleMachine} decides: the steps that act on MariaDB when the node's
 * role changes (promote, fence), giving up the lease, and publishing the role to the proxies. Owns
 * the master's capture. Every method runs on the node's Vert.x context; long steps report their
 * outcome back to the role machine on it.
 */
final class RoleExecutor {
  private static final Logger log = LoggerFactory.getLogger(RoleExecutor.class);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);
  private static final int ROLE_HISTORY = 20;

  private final Vertx vertx;
  private final Context context;
  private final NodeConfig config;
  private final RoleMachine roles;
  private final LiveMasterLocator locator;
  private final NodeMariaDb mariadb;
  private final ReplicatedLog replog;
  private final ChainedLog chain;
  private final MemberDirectory directory;
  private final Timer appendLatency;
  private final Deque<JsonObject> roleChanges = new ArrayDeque<>();
  private final EventJournal events;
  private volatile long roleSinceMs = System.currentTimeMillis();
  private Capture capture;
  /** The fenced capture's connection ids: its dump thread may outlive it briefly, and is not an intruder. */
  private volatile Set<Long> stoppedCaptureIds = Set.of();
  private boolean halted;
  private volatile String lastProblem = "";
  private final ForeignReplicaWatch foreignReplicas;
  private final MasterResign resign;

  RoleExecutor(Vertx vertx, Context context, NodeConfig config, RoleMachine roles, LiveMasterLocator locator,
      NodeMariaDb mariadb, ReplicatedLog replog, ChainedLog chain, MeterRegistry registry, EventJournal events,
      MemberDirectory directory) {
    this.vertx = vertx;
    this.directory = directory;
    this.context = context;
    this.config = config;
    this.roles = roles;
    this.locator = locator;
    this.mariadb = mariadb;
    this.replog = replog;
    this.chain = chain;
    this.events = events;
    String node = Integer.toString(config.nodeId());
    this.appendLatency = Timer.builder("paxosql.capture.ack.latency").tag("node", node)
        .description("from the capture handing a transaction over to its ACK: chosen and accepted by the chain")
        .publishPercentiles(0.5, 0.99)
        // percentiles of the last ~30 s (default 2 min): the status page's per-second charts follow changes
        .distributionStatisticExpiry(Duration.ofSeconds(30)).register(registry);
    FunctionCounter.builder("paxosql.capture.transactions", this, RoleExecutor::captureTransactions)
        .tag("node", node).register(registry);
    this.foreignReplicas = new ForeignReplicaWatch(config.nodeId(), config.replication().user(), mariadb.control(),
        this::captureConnectionIds, this::captureSemiSync, events, registry);
    this.resign = new MasterResign(vertx, context, config.nodeId(), roles, mariadb::control, chain, events, registry,
        this::execute, this::updateRoute, this::leaderHint, this::campaignAsDecided);
  }

  /** Carries out {@code commands} in order; nothing once the node is stopping. */
  void execute(List<RoleCommand> commands) {
    for (RoleCommand c : commands) {
      if (halted) {
        return;
      }
      if (c instanceof RoleCommand.AllowCampaign a) {
        replog.setCampaignAllowed(a.allowed() && !resign.holdsCampaign());
      } else if (c instanceof RoleCommand.Resign r) {
        String said = "node " + config.nodeId() + " resigns the lease: " + r.reason();
        log.info("{}", said);
        events.add(EventKind.ELECTION, said);
        replog.resign();
      } else if (c instanceof RoleCommand.Publish p) {
        publish(p.role(), p.epoch());
      } else if (c instanceof RoleCommand.Promote p) {
        promote(p.epoch());
      } else if (c instanceof RoleCommand.Fence f) {
        fence(f.reason());
      }
    }
  }

  /** The role machine's word on campaigning, except that a master that resigned for a breach sits one out. */
  private void campaignAsDecided() {
    replog.setCampaignAllowed(roles.campaignAllowed() && !resign.holdsCampaign());
  }

  private int leaderHint() {
    Status st = replog.status();
    return st == null ? -1 : st.leaderHint();
  }

  /** The node is stopping or crashing: no role command is carried out from now on. */
  void halt() {
    halted = true;
  }

  /** Stops the master's capture, if one runs. */
  Future<Void> stopCapture() {
    return capture == null ? Future.succeededFuture() : capture.stop();
  }

  /** The chain refused one of this master's own transactions. */
  void onOwnRejected(String reason) {
    String said = "node " + config.nodeId() + ": the chain refused this master's transaction (" + reason + "); fencing";
    log.warn("{}", said);
    events.add(EventKind.DIVERGENCE, said);
    execute(roles.onDiverged(reason));
  }

  /** Records the last thing that went wrong, for the status page. */
  void noteProblem(String problem) {
    lastProblem = problem;
  }

  String lastProblem() {
    return lastProblem;
  }

  /**
   * Cuts off any replica of this node's MariaDB but its capture ({@link ForeignReplicaWatch}); a master
   * that had one, or whose semi-sync settings let commits go without the cluster, resigns ({@link MasterResign}).
   */
  Future<Void> checkForeignReplicas() {
    return foreignReplicas.check(roles.role()).map(found -> {
      resign.observe(found);
      return null;
    });
  }

  /** The MariaDB connection ids the running capture logged in with (none while no capture runs). */
  Set<Long> captureConnectionIds() {
    Capture c = capture;
    Set<Long> ids = new HashSet<>(stoppedCaptureIds);
    if (c != null) {
      ids.addAll(c.ownConnectionIds());
    }
    return ids;
  }

  private boolean captureSemiSync() {
    Capture c = capture;
    return c == null || c.semiSync();
  }

  long captureTransactions() {
    Capture c = capture;
    return c == null ? 0 : c.transactions();
  }

  /** The node's journal of role changes, fences, elections and the like, for the status page. */
  EventJournal events() {
    return events;
  }

  /** Wall-clock time (epoch ms) the current role was published. */
  long roleSinceMs() {
    return roleSinceMs;
  }

  JsonArray roleChanges() {
    return new JsonArray(List.copyOf(roleChanges));
  }

  private void publish(NodeRole role, long epoch) {
    String said = "node " + config.nodeId() + " is now " + role + " (epoch " + epoch + ")";
    log.info("{}", said);
    events.add(EventKind.ROLE, said);
    roleSinceMs = System.currentTimeMillis();
    roleChanges.addLast(new JsonObject().put("time", Instant.now().toString()).put("node", config.nodeId())
        .put("role", role.name()).put("epoch", epoch));
    while (roleChanges.size() > ROLE_HISTORY) {
      roleChanges.removeFirst();
    }
    updateRoute();
  }

  /** Where this node's RW port sends clients: here when master, else to the leader's internal port. */
  void updateRoute() {
    MasterRoute next;
    Status st = replog.status();
    int leader = st == null ? -1 : st.leaderHint();
    switch (roles.role()) {
      case MASTER -> next = resign.resigning()
          ? new MasterRoute.None("node " + config.nodeId() + " is resigning as master; retry shortly")
          : new MasterRoute.Local(Integer.toString(config.nodeId()));
      case PROMOTING -> next = new MasterRoute.None("node " + config.nodeId() + " is taking over as master; retry shortly");
      case DIVERGED -> next = new MasterRoute.None("node " + config.nodeId() + " has diverged and refuses to serve: "
          + roles.divergence());
      default -> {
        // The leader's own internal port refuses clients until it serves as master, so routing to
        // it early costs nothing and avoids waiting for this node's chain to catch up.
        if (leader > 0 && leader != config.nodeId()) {
          NodeConfig.Member m = directory.member(leader).orElse(null);
          next = m == null ? new MasterRoute.None("master node " + leader + " has no known address here; "
              + "restart this node so it asks the members for the current membership")
              : new MasterRoute.Remote(Integer.toString(leader), m.host(), m.internal());
        } else {
          next = new MasterRoute.None("no node holds the master lease; an election is under way");
        }
      }
    }
    if (!next.equals(locator.current())) {
      locator.set(next);
    }
  }

  private void promote(long epoch) {
    log.info("node {} promotes for epoch {}", config.nodeId(), epoch);
    MariaDbControl control = mariadb.control();
    chain.beginEpoch(epoch)
        .compose(x -> {
          String tail = chain.state().gtids().toString();
          return tail.isEmpty() ? Future.succeededFuture()
              : new ReplicaCatchUp(config.nodeId(), control, this::followLocalBinlogServer).await(tail, CATCH_UP_TIMEOUT);
        })
        .compose(x -> control.stopReplica())
        .compose(x -> control.setServerId(NodeWiring.masterServerId(epoch)))
        .compose(x -> control.enableSemiSyncMaster())
        .compose(x -> control.setReadOnly(false))
        .compose(x -> {
          capture = new Capture(vertx, CaptureConfig.of("127.0.0.1", config.mariadb().port(),
              config.replication().user(), mariadb.replicationPassword(), NodeWiring.captureServerId(config),
              chain.state().gtids()), tx -> {
                long start = System.nanoTime();
                return chain.append(tx).onSuccess(e -> appendLatency.record(System.nanoTime() - start,
                    TimeUnit.NANOSECONDS));
              });
          return capture.start();
        })
        .onComplete(ar -> context.runOnContext(v -> {
          if (ar.succeeded()) {
            execute(roles.onPromoted(epoch));
          } else {
            String said = "node " + config.nodeId() + ": promotion for epoch " + epoch + " failed: "
                + ar.cause().getMessage();
            log.warn("{}", said);
            events.add(EventKind.ROLE, said);
            lastProblem = ar.cause().getMessage();
            execute(roles.onPromotionFailed(ar.cause().getMessage()));
          }
        }));
  }

  private void fence(String reason) {
    String said = "node " + config.nodeId() + " fences its MariaDB: " + reason;
    log.warn("{}", said);
    events.add(EventKind.FENCE, said);
    chain.endEpoch("fencing: " + reason);
    Capture c = capture;
    capture = null;
    if (c != null) {
      stoppedCaptureIds = c.ownConnectionIds();
    }
    Future<Void> stopped = c == null ? Future.succeededFuture() : c.stop();
    stopped.compose(x -> mariadb.fence())
        .compose(x -> followLocalBinlogServer())
        .onComplete(ar -> context.runOnContext(v -> {
          if (ar.succeeded()) {
            execute(roles.onFenced());
          } else {
            lastProblem = "fencing failed: " + ar.cause().getMessage();
            String failed = "node " + config.nodeId() + ": fencing failed (" + ar.cause().getMessage()
                + "); retrying in 1 s";
            log.error("{}", failed);
            events.add(EventKind.FENCE, failed);
            vertx.setTimer(1000, id -> fence(reason));
          }
        }));
  }

  /** Points MariaDB's replica at this node's own binlog server and starts it. */
  Future<Void> followLocalBinlogServer() {
    return mariadb.control().follow("127.0.0.1", config.ports().binlog(), config.replication().user(),
        mariadb.replicationPassword());
  }
}
