package io.paxosql.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.binlog.server.BinlogServerConfig;
import io.paxosql.config.ConfigWatcher;
import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.AdminServer;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.Role;
import io.paxosql.node.role.RoleCommand;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.paxos.Status;
import io.paxosql.proxy.MasterRoute;
import io.paxosql.proxy.ProxyServer;
import io.paxosql.proxy.StaticMasterLocator;
import io.paxosql.transport.FaultInjector;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster member: its MariaDB, its replicated log, the chain derived from it, the binlog server
 * its MariaDB follows, the proxy, the admin port, and the role machine that decides when the node
 * promotes or fences. The composition root of a node; every field is touched on one Vert.x context.
 */
public final class ClusterNode {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  private static final long MONITOR_MS = 200;
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);
  private static final int ROLE_HISTORY = 20;
  private static final long READ_INDEX_TIMEOUT_MS = 2000;

  private final Vertx vertx;
  private final Context context;
  private final NodeConfig config;
  private final Path configFile;
  private final FaultInjector faults;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RoleMachine roles = new RoleMachine();
  private final StaticMasterLocator locator = new StaticMasterLocator(new MasterRoute.None("the node is starting"));
  private final InitMarker marker;
  private final Deque<JsonObject> roleChanges = new ArrayDeque<>();
  /** 25 observations of 200 ms: evidence must outlast a restarted node's chain catching up. */
  private final DivergenceCheck divergence = new DivergenceCheck(25);
  private static final long REPLICA_RETRY_NANOS = 2_000_000_000L;
  private long lastReplicaRestart;
  private int replicaRetries;
  private static final int MAX_REPLICA_RETRIES = 5;
  private final NodeMariaDb mariadb;
  private ReplicatedLog replog;
  private ChainedLog chain;
  private BinlogServer binlogServer;
  private ProxyServer proxy;
  private NodeReadBarrier readBarrier;
  private AdminServer admin;
  private ConfigWatcher watcher;
  private Capture capture;
  private long monitorTimer = -1;
  private int lastLeader = -1;
  private io.micrometer.core.instrument.Timer appendLatency;
  private io.micrometer.core.instrument.Counter leaderChanges;
  private boolean monitorBusy;
  private boolean stopping;
  private volatile String appliedGtid = "";
  private volatile long lagTransactions;
  private final ReplicaLag replicaLag = new ReplicaLag();
  private volatile String lastProblem = "";
  private volatile boolean initialised;

  private ClusterNode(Vertx vertx, NodeConfig config, Path configFile, FaultInjector faults) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.config = config;
    this.configFile = configFile;
    this.faults = faults;
    this.marker = new InitMarker(config.dataDir());
    this.initialised = marker.read().isPresent();
    this.mariadb = new NodeMariaDb(vertx, config);
  }

  /** Starts every part of the node; the future completes once it serves (as a follower). */
  public static Future<ClusterNode> start(Vertx vertx, NodeConfig config, Path configFile, FaultInjector faults) {
    ClusterNode node = new ClusterNode(vertx, config, configFile, faults);
    Promise<ClusterNode> started = Promise.promise();
    node.context.runOnContext(v -> node.startOnContext().map(node).onComplete(started));
    return started.future();
  }

  public NodeConfig config() {
    return config;
  }

  public Role role() {
    return roles.role();
  }

  public NodeMariaDb mariadb() {
    return mariadb;
  }

  public ReplicatedLog replicatedLog() {
    return replog;
  }

  public ChainedLog chain() {
    return chain;
  }

  public ProxyServer proxy() {
    return proxy;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  private Future<Void> startOnContext() {
    return vertx.executeBlocking(() -> {
      Files.createDirectories(config.dataDir());
      return null;
    }).compose(x -> mariadb.startAsFollower())
        .compose(x -> ReplicatedLog.start(vertx, NodeWiring.replogOptions(config), faults, registry))
        .compose(rl -> {
          replog = rl;
          rl.setCampaignAllowed(false);
          chain = new ChainedLog(rl, config.nodeId(), reason -> context.runOnContext(v -> onOwnRejected(reason)));
          chain.subscribe(e -> replicaLag.accepted(e.gtid(), System.nanoTime()));
          chain.start();
          binlogServer = new BinlogServer(vertx, BinlogServerConfig.of(config.ports().binlog(),
              config.replication().user(), config.replication().password(), NodeWiring.binlogServerId(config)), chain);
          return binlogServer.start();
        })
        .compose(port -> followLocalBinlogServer())
        .compose(x -> {
          proxy = new ProxyServer(vertx, NodeWiring.proxySettings(config), locator, registry);
          // On the master itself every acknowledged transaction is already committed in its own
          // MariaDB (semi-sync ACK precedes the commit, the commit precedes the client's OK; a new
          // master applied the whole chain before serving): nothing to wait for once the lease is
          // confirmed. MASTER_GTID_WAIT would not do here: it compares with the replica position.
          readBarrier = new NodeReadBarrier(vertx, config, locator, () -> readIndexHere().map(g -> ""),
              () -> replicaLag.lagMs(System.nanoTime()), READ_INDEX_TIMEOUT_MS);
          proxy.applyReadPolicy(NodeWiring.readPolicy(config.proxy()), readBarrier);
          return proxy.start();
        })
        .compose(x -> {
          ClusterAdminService service = new ClusterAdminService(this);
          admin = new AdminServer(vertx, service).withMetrics(registry);
          admin.router().get("/local").handler(ctx -> ctx.response()
              .putHeader("content-type", "application/json").end(localStatus().encodePrettily()));
          admin.router().post("/init-peer").handler(service::initPeer);
          admin.router().get("/read-index").handler(ctx -> readIndexHere().onComplete(ar -> {
            if (ar.succeeded()) {
              ctx.response().putHeader("content-type", "application/json")
                  .end(new JsonObject().put("gtid", ar.result()).put("node", config.nodeId()).encode());
            } else {
              ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
                  .end(new JsonObject().put("error", "not-master").put("message", ar.cause().getMessage())
                      .put("hint", "ask the master's admin port; `admin status` shows which node it is").encode());
            }
          }));
          return admin.listen(config.self().host(), config.ports().admin());
        })
        .map(port -> {
          watcher = new ConfigWatcher(vertx, configFile, config, 1000, next -> {
            LogLevels.apply(next.logLevel());
            NodeConfig.Proxy p = next.proxy();
            proxy.applyLimits(p.maxConnections(), Duration.ofMillis(p.connectTimeoutMs()),
                Duration.ofSeconds(p.idleTimeoutSeconds()));
            proxy.applyReadPolicy(NodeWiring.readPolicy(p), readBarrier);
          });
          registerGauges();
          replog.onStatus(st -> context.runOnContext(v -> {
            if (st.leaderHint() != lastLeader) {
              lastLeader = st.leaderHint();
              leaderChanges.increment();
            }
            execute(roles.onLease(st.holdsLease(), epochOf(st)));
            updateRoute();
          }));
          execute(roles.onFollowing());
          monitorTimer = vertx.setPeriodic(MONITOR_MS, id -> monitor());
          log.info("node {} of cluster '{}' is up: RW {}, RO {}, admin {}, MariaDB {}", config.nodeId(),
              config.clusterId(), config.ports().rw(), config.ports().ro(), config.ports().admin(),
              config.mariadb().port());
          return null;
        });
  }

  /** Clean stop, in the order {@link NodeStop} explains (a master lets its commits end first). */
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopping = true;
      if (monitorTimer >= 0) {
        vertx.cancelTimer(monitorTimer);
      }
      if (watcher != null) {
        watcher.close();
      }
      NodeStop.run(vertx, new NodeStop.Parts(config.nodeId(), roles.role(), proxy, admin, capture, binlogServer,
          chain, replog, mariadb)).onComplete(ar -> {
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
      stopping = true;
      vertx.cancelTimer(monitorTimer);
      if (watcher != null) {
        watcher.close();
      }
      mariadb.server().kill();
      Future<Void> f = replog == null ? Future.succeededFuture() : replog.halt();
      f.eventually(() -> proxy == null ? Future.succeededFuture() : proxy.stop())
          .eventually(() -> admin == null ? Future.succeededFuture() : admin.close())
          .eventually(() -> capture == null ? Future.succeededFuture() : capture.stop())
          .eventually(() -> binlogServer == null ? Future.succeededFuture() : binlogServer.stop())
          .onComplete(ar -> {
            mariadb.close();
            done.complete();
          });
    });
    return done.future();
  }

  // ---- initialisation ------------------------------------------------------------------------------

  boolean initialised() {
    return initialised;
  }

  java.util.Optional<List<String>> initialisedMembers() {
    return marker.read();
  }

  /** Writes the init marker (fsync, rename) on a worker thread. */
  Future<Void> markInitialised(List<String> members) {
    return vertx.executeBlocking(() -> {
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
      Role r = roles.role();
      if (r != Role.MASTER) {
        p.fail(new io.paxosql.node.admin.AdminException("not-master", 409,
            "node " + config.nodeId() + " is not the master (it is " + r + ")",
            "run step-down against the master's admin port; `admin status` shows which node it is"));
        return;
      }
      execute(roles.onStepDownRequested());
      p.complete(new JsonObject().put("steppingDown", true).put("node", config.nodeId()));
    });
    return p.future();
  }

  // ---- observing -----------------------------------------------------------------------------------

  /** Every MONITOR_MS: health, catch-up and divergence of the local MariaDB, fed to the role machine. */
  private void monitor() {
    if (monitorBusy || stopping || !mariadb.isRunning() && roles.role() == Role.FENCING) {
      return;
    }
    monitorBusy = true;
    MariaDbControl control = mariadb.control();
    control.probe(PROBE_TIMEOUT)
        .compose(x -> control.gtidBinlogPos())
        .compose(pos -> control.replicaStatus().map(rs -> {
          // A replica error only says something while its thread is stopped by it: MariaDB keeps the
          // last error text after the thread recovers.
          String io = rs.filter(r -> !r.ioRunning()).map(MariaDbControl.ReplicaStatus::lastIoError).orElse("");
          String sql = rs.filter(r -> !r.sqlRunning()).map(MariaDbControl.ReplicaStatus::lastSqlError).orElse("");
          observe(true, GtidState.parse(pos), io, sql);
          return null;
        }))
        .onFailure(e -> {
          lastProblem = e.getMessage();
          execute(roles.onHealth(false));
        })
        .onComplete(ar -> monitorBusy = false);
  }

  private void observe(boolean healthy, GtidState applied, String replicaIoError, String replicaSqlError) {
    ChainState c = chain.state();
    appliedGtid = applied.toString();
    replicaLag.applied(applied);
    Gtid last = c.lastGtid();
    Gtid mine = last == null ? null : applied.get(last.domainId());
    lagTransactions = last == null ? 0 : Math.max(0, last.seqNo() - (mine == null ? 0 : mine.seqNo()));
    boolean caughtUp = c.gtids().gtids().stream().allMatch(applied::covers);
    execute(roles.onHealth(healthy));
    execute(roles.onCaughtUp(caughtUp && initialised()));
    boolean chainCurrent = replog.caughtUp();
    if (replicaIoError.isEmpty()) {
      replicaRetries = 0;
    } else if (roles.role() == Role.FOLLOWER && chainCurrent && replicaRetries < MAX_REPLICA_RETRIES
        && System.nanoTime() - lastReplicaRestart > REPLICA_RETRY_NANOS) {
      // The binlog server may have refused MariaDB while this node's chain was still being rebuilt
      // (error 1236 stops the IO thread for good): ask again now that the chain is current. A replica
      // refused again and again is left stopped, so the divergence check can judge it.
      lastReplicaRestart = System.nanoTime();
      replicaRetries++;
      log.info("node {}: restarting the replica stopped by '{}'", config.nodeId(), replicaIoError);
      followLocalBinlogServer();
    }
    if (roles.role() == Role.FOLLOWER) {
      divergence.observe(applied, c.gtids(), replicaIoError, replicaSqlError, chainCurrent).ifPresent(evidence -> {
        String message = evidence + ". This node refuses to serve. To rebuild it: stop the node, move "
            + config.dataDir().resolve("mariadb") + " aside, and start the node again; its new MariaDB "
            + "replays the cluster's log from the start (while the log still holds its beginning; otherwise "
            + "restore a backup).";
        log.error("node {} has diverged: {}", config.nodeId(), message);
        execute(roles.onDiverged(message));
      });
    }
    updateRoute();
  }

  private void onOwnRejected(String reason) {
    log.warn("node {}: the chain refused this master's transaction ({}); fencing", config.nodeId(), reason);
    execute(roles.onDiverged(reason));
  }

  /**
   * The read index this node gives as master: its chain's GTID position, which covers every
   * transaction any client was told is committed (the capture ACKs only after the chain accepted
   * it). Answered only while this node is MASTER and holds the lease, so no other node can have
   * extended the chain meanwhile.
   */
  Future<String> readIndexHere() {
    Promise<String> p = Promise.promise();
    context.runOnContext(v -> {
      if (roles.role() != Role.MASTER || replog == null || !replog.holdsLease()) {
        p.fail("node " + config.nodeId() + " is not the master with a lease (it is " + roles.role() + ")");
      } else {
        p.complete(chain.state().gtids().toString());
      }
    });
    return p.future();
  }

  // ---- acting --------------------------------------------------------------------------------------

  private void execute(List<RoleCommand> commands) {
    for (RoleCommand c : commands) {
      if (stopping) {
        return;
      }
      if (c instanceof RoleCommand.AllowCampaign a) {
        replog.setCampaignAllowed(a.allowed());
      } else if (c instanceof RoleCommand.Resign r) {
        log.info("node {} resigns the lease: {}", config.nodeId(), r.reason());
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

  private void publish(Role role, long epoch) {
    log.info("node {} is now {} (epoch {})", config.nodeId(), role, epoch);
    roleChanges.addLast(new JsonObject().put("time", Instant.now().toString()).put("node", config.nodeId())
        .put("role", role.name()).put("epoch", epoch));
    while (roleChanges.size() > ROLE_HISTORY) {
      roleChanges.removeFirst();
    }
    updateRoute();
  }

  /** Where this node's RW port sends clients: here when master, else to the leader's internal port. */
  private void updateRoute() {
    MasterRoute next;
    Status st = replog.status();
    int leader = st == null ? -1 : st.leaderHint();
    switch (roles.role()) {
      case MASTER -> next = new MasterRoute.Local(Integer.toString(config.nodeId()));
      case PROMOTING -> next = new MasterRoute.None("node " + config.nodeId() + " is taking over as master; retry shortly");
      case DIVERGED -> next = new MasterRoute.None("node " + config.nodeId() + " has diverged and refuses to serve: "
          + roles.divergence());
      default -> {
        // The leader's own internal port refuses clients until it serves as master, so routing to
        // it early costs nothing and avoids waiting for this node's chain to catch up.
        if (leader > 0 && leader != config.nodeId()) {
          NodeConfig.Member m = config.member(leader).orElse(null);
          next = m == null ? new MasterRoute.None("master node " + leader + " is not in this node's member list")
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
          return tail.isEmpty() ? Future.succeededFuture(true) : control.waitForGtid(tail, CATCH_UP_TIMEOUT);
        })
        .compose(reached -> reached ? Future.succeededFuture()
            : Future.failedFuture("MariaDB did not apply the chain up to " + chain.state().gtids()
                + " within " + CATCH_UP_TIMEOUT.toSeconds() + " s"))
        .compose(x -> control.stopReplica())
        .compose(x -> epoch < NodeWiring.MAX_EPOCH_SERVER_ID ? control.setServerId(epoch)
            : Future.failedFuture("epoch " + epoch + " exceeds the server ids MariaDB can take"))
        .compose(x -> control.enableSemiSyncMaster())
        .compose(x -> control.setReadOnly(false))
        .compose(x -> {
          capture = new Capture(vertx, CaptureConfig.of("127.0.0.1", config.mariadb().port(),
              config.replication().user(), config.replication().password(), NodeWiring.captureServerId(config),
              chain.state().gtids()), tx -> {
                long start = System.nanoTime();
                return chain.append(tx).onSuccess(e -> appendLatency.record(System.nanoTime() - start,
                    java.util.concurrent.TimeUnit.NANOSECONDS));
              });
          return capture.start();
        })
        .onComplete(ar -> context.runOnContext(v -> {
          if (ar.succeeded()) {
            execute(roles.onPromoted(epoch));
          } else {
            log.warn("node {}: promotion for epoch {} failed: {}", config.nodeId(), epoch, ar.cause().getMessage());
            lastProblem = ar.cause().getMessage();
            execute(roles.onPromotionFailed(ar.cause().getMessage()));
          }
        }));
  }

  private void fence(String reason) {
    log.warn("node {} fences its MariaDB: {}", config.nodeId(), reason);
    chain.endEpoch("fencing: " + reason);
    Capture c = capture;
    capture = null;
    Future<Void> stopped = c == null ? Future.succeededFuture() : c.stop();
    stopped.compose(x -> mariadb.fence())
        .compose(x -> followLocalBinlogServer())
        .onComplete(ar -> context.runOnContext(v -> {
          if (ar.succeeded()) {
            execute(roles.onFenced());
          } else {
            lastProblem = "fencing failed: " + ar.cause().getMessage();
            log.error("node {}: fencing failed ({}); retrying in 1 s", config.nodeId(), ar.cause().getMessage());
            vertx.setTimer(1000, id -> fence(reason));
          }
        }));
  }

  private Future<Void> followLocalBinlogServer() {
    return mariadb.control().follow("127.0.0.1", config.ports().binlog(), config.replication().user(),
        config.replication().password());
  }

  // ---- reporting -----------------------------------------------------------------------------------

  private void registerGauges() {
    String node = Integer.toString(config.nodeId());
    appendLatency = io.micrometer.core.instrument.Timer.builder("paxosql.capture.ack.latency").tag("node", node)
        .description("from the capture handing a transaction over to its ACK: chosen and accepted by the chain")
        .publishPercentiles(0.5, 0.99).register(registry);
    leaderChanges = io.micrometer.core.instrument.Counter.builder("paxosql.node.leader.changes").tag("node", node)
        .description("times this node saw the Paxos leader change").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("paxosql.capture.transactions", this,
        n -> n.capture == null ? 0 : n.capture.transactions()).tag("node", node).register(registry);
    Gauge.builder("paxosql.capture.queue", this, n -> n.chain == null ? 0 : n.chain.pendingCount()).tag("node", node)
        .description("transactions the master's capture handed over and the chain has not accepted yet").register(registry);
    Gauge.builder("paxosql.node.replica.lag.transactions", this, n -> n.lagTransactions).tag("node", node)
        .register(registry);
    Gauge.builder("paxosql.node.replica.lag.ms", this, n -> n.replicaLag.lagMs(System.nanoTime()))
        .tag("node", node).description("age of the oldest chain transaction MariaDB has not applied (upper bound)")
        .register(registry);
    Gauge.builder("paxosql.node.lease.remaining.ms", this, n -> n.leaseRemainingMs()).tag("node", node)
        .register(registry);
    Gauge.builder("paxosql.node.role", this, n -> n.roles.role().ordinal()).tag("node", node)
        .description("0 starting, 1 follower, 2 promoting, 3 master, 4 fencing, 5 diverged").register(registry);
  }

  long leaseRemainingMs() {
    Status st = replog == null ? null : replog.status();
    return st == null || !st.holdsLease() ? 0 : (st.leaseUntil() - st.now()) * config.paxos().tickMs();
  }

  /** This node's own facts, as peers and the status page read them. */
  JsonObject localStatus() {
    Status st = replog == null ? null : replog.status();
    ChainState c = chain == null ? ChainState.EMPTY : chain.state();
    return new JsonObject()
        .put("id", config.nodeId())
        .put("clusterId", config.clusterId())
        .put("initialised", initialised())
        .put("role", roles.role().name())
        .put("epoch", c.epoch())
        .put("chainMaster", c.masterNode() == 0 ? null : c.masterNode())
        .put("leaseHeld", st != null && st.holdsLease())
        .put("leaseRemainingMs", leaseRemainingMs())
        .put("leaderHint", st == null ? -1 : st.leaderHint())
        .put("lastChosenInstance", replog == null ? -1 : replog.chosenBelow() - 1)
        .put("chainGtid", c.gtids().toString())
        .put("lastSequence", c.lastSequence())
        .put("appliedGtid", appliedGtid)
        .put("lagTransactions", lagTransactions)
        .put("lagMs", replicaLag.lagMs(System.nanoTime()))
        .put("diverged", roles.role() == Role.DIVERGED)
        .put("divergence", roles.divergence())
        .put("mariadbRunning", mariadb.isRunning())
        .put("lastProblem", lastProblem)
        .put("captureTransactions", capture == null ? 0 : capture.transactions())
        .put("roleChanges", new JsonArray(List.copyOf(roleChanges)));
  }

  Vertx vertx() {
    return vertx;
  }

  private static long epochOf(Status st) {
    return st.ballot().round() * 4096 + Math.max(0, st.ballot().node());
  }
}
