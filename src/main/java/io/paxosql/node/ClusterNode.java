package io.paxosql.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.binlog.server.BinlogServerConfig;
import io.paxosql.config.ConfigWatcher;
import io.paxosql.config.NodeConfig;
import io.paxosql.config.SecretNames;
import io.paxosql.log.LogConfig;
import io.paxosql.node.admin.AdminException;
import io.paxosql.node.admin.AdminServer;
import io.paxosql.node.admin.PeerClient;
import io.paxosql.node.chain.ChainCheckpoint;
import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.node.seed.MariaDbSeeder;
import io.paxosql.node.seed.SeedPoint;
import io.paxosql.node.seed.SeedServer;
import io.paxosql.node.status.BuildVersion;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.EventKind;
import io.paxosql.node.status.HeapAfterGc;
import io.paxosql.node.status.LeaderWatch;
import io.paxosql.node.status.ProgressBoard;
import io.paxosql.node.status.TransferProgress;
import io.paxosql.node.secret.SecretFile;
import io.paxosql.paxos.Status;
import io.paxosql.proxy.LiveMasterLocator;
import io.paxosql.proxy.MasterRoute;
import io.paxosql.proxy.MemberHop;
import io.paxosql.proxy.ProxyServer;
import io.paxosql.tls.TlsFiles;
import io.paxosql.transport.FaultInjector;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster member: its MariaDB, its replicated log, the chain derived from it, the binlog server
 * its MariaDB follows, the proxy, the admin port, and the role machine that decides when the node
 * promotes or fences. The composition root of a node; every field is touched on one Vert.x context.
 */
public final class ClusterNode {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  private static final long READ_INDEX_TIMEOUT_MS = 2000;
  private static final long MEMBERSHIP_CHECK_MS = 250;
  private static final long REDISCOVER_MS = 5000;

  private final Vertx vertx;
  private final Context context;
  private final NodeConfig config;
  private final Path configFile;
  private final FaultInjector faults;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RoleMachine roles = new RoleMachine();
  private final LiveMasterLocator locator = new LiveMasterLocator(new MasterRoute.None("the node is starting"));
  private final InitMarker marker;
  private final JoinCandidate joinCandidate;
  private final HttpClient http;
  private MemberDirectory directory;
  private volatile boolean removed;
  private volatile String removedReason = "";
  private volatile boolean joinCandidatePresent;
  private boolean joining;
  private volatile long logBytes;
  private long membershipTimer = -1;
  private long lastDiscovery;
  private final NodeMariaDb mariadb;
  private final ReplicaLag replicaLag = new ReplicaLag();
  private final NodeSeeding seeding;
  private SeedServer seedServer;
  private final EventJournal events;
  private final LeaderWatch leaderWatch;
  private final ProgressBoard transfer = new ProgressBoard();
  private final StatusRecorder statusRecorder;
  private final Counter chainTransactions;
  private ReplicatedLog replog;
  private ChainedLog chain;
  private RoleExecutor roleExecutor;
  private NodeMonitor monitor;
  private BinlogServer binlogServer;
  private ProxyServer proxy;
  private NodeReadBarrier readBarrier;
  private AdminServer admin;
  private ConfigWatcher watcher;
  private ChainCheckpoint startCheckpoint;
  private ChainCheckpointer checkpointer;
  private int lastLeader = -1;
  private Counter leaderChanges;
  private volatile boolean initialised;
  private volatile String adminToken;
  private final Promise<String> failStopped = Promise.promise();
  private boolean stopping;

  private ClusterNode(Vertx vertx, NodeConfig config, Path configFile, FaultInjector faults) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.config = config;
    this.configFile = configFile;
    this.faults = faults;
    this.marker = new InitMarker(config.dataDir());
    this.joinCandidate = new JoinCandidate(config.dataDir());
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) MembershipDiscovery.TIMEOUT_MS));
    this.initialised = marker.read().isPresent();
    this.mariadb = new NodeMariaDb(vertx, config);
    this.seeding = new NodeSeeding(vertx, config, mariadb);
    this.events = new EventJournal(config.nodeId());
    this.leaderWatch = new LeaderWatch(config.nodeId());
    String node = Integer.toString(config.nodeId());
    this.statusRecorder = new StatusRecorder(vertx, config.dataDir().resolve("paxos"), registry, node);
    this.chainTransactions = Counter.builder("paxosql.chain.transactions").tag("node", node)
        .description("transactions this node's chain accepted (commits, as every member sees them)").register(registry);
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

  public NodeRole role() {
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

  private Future<Void> startOnContext() {
    if (!config.tls().on()) {
      log.warn("node {}: tls.mode is off: member-to-member links (Paxos, the internal proxy hop, read index, init)"
          + " run in PLAINTEXT and peers are known only by what they claim; anyone who reaches these ports can"
          + " forge votes. Use it only on a network you trust entirely.", config.nodeId());
    }
    return vertx.executeBlocking(() -> {
      // Whether the data dir was empty is judged before this start writes anything into it.
      joinCandidate.prepare(config.dataDir());
      joinCandidatePresent = joinCandidate.present();
      startCheckpoint = new ChainCheckpointFile(config.dataDir()).read().orElse(null);
      adminToken = SecretFile.readOrCreate(SecretNames.adminToken(config.dataDir()));
      directory = MemberDirectory.load(config);
      return null;
    }).compose(x -> MembershipDiscovery.run(http, config, directory))
        .compose(heard -> vertx.executeBlocking(() -> {
          if (directory.genesis().isEmpty()) {
            // Nobody answered: a new cluster (its nodes start before `admin init`) or a cluster that is
            // down. Either way this node's own list is the best guess; it is saved only once settled.
            directory.assumeGenesis(new TreeSet<>(config.members().stream().map(NodeConfig.Member::id).toList()));
          }
          if (initialised) {
            directory.settleGenesis();
          }
          directory.save();
          return seeding.dataDirEmpty();
        }))
        .compose(empty -> empty ? startSeeded() : startKept())
        .compose(rl -> {
          replog = rl;
          rl.onFatal(t -> failStop("the Paxos log", t));
          rl.setCampaignAllowed(false);
          rl.transport().serveMemberCalls(new PeerCalls(this));
          chain = new ChainedLog(rl, config.nodeId(),
              reason -> context.runOnContext(v -> roleExecutor.onOwnRejected(reason)), config.log().checkpointEvery());
          chain.subscribe(e -> {
            replicaLag.accepted(e.gtid(), System.nanoTime());
            chainTransactions.increment();
          });
          roleExecutor = new RoleExecutor(vertx, context, config, roles, locator, mariadb, rl, chain, registry, events,
              directory);
          monitor = new NodeMonitor(vertx, config, roles, roleExecutor, mariadb, rl, chain, replicaLag,
              this::initialised, seeding::rebuilding, reason -> seeding.autoRebuild(reason, rebuildSteps()));
          if (stopping) {
            haltRoles(); // stopped while starting
          }
          // The chain is derived from its checkpoint on, or from the log's beginning (instance 0) without one.
          long from = startCheckpoint == null ? 0 : startCheckpoint.next().instance();
          if (rl.firstRetained() > from) {
            return Future.failedFuture(new IllegalStateException("node " + config.nodeId() + ": its Paxos log starts at "
                + rl.firstRetained() + " but its chain must be derived from " + (startCheckpoint == null
                ? "the log's beginning (there is no " + ChainCheckpointFile.NAME + ")" : startCheckpoint)
                + "; rebuild this node from a backup (admin rebuild) or restore " + ChainCheckpointFile.NAME));
          }
          if (startCheckpoint != null) {
            chain.start(startCheckpoint);
          } else {
            chain.start();
          }
          ChainCheckpointFile checkpointFile = new ChainCheckpointFile(config.dataDir());
          checkpointer = new ChainCheckpointer(vertx, chain, checkpointFile, () -> monitor.appliedGtid(),
              t -> context.runOnContext(v -> failStop("writing the chain checkpoint " + checkpointFile.path(), t)));
          rl.localFloor(checkpointer::floor);
          checkpointer.start();
          binlogServer = new BinlogServer(vertx, BinlogServerConfig.of(config.ports().binlog(),
              config.replication().user(), mariadb.replicationPassword(), NodeWiring.binlogServerId(config)), chain);
          return binlogServer.start();
        })
        .compose(port -> roleExecutor.followLocalBinlogServer())
        .compose(x -> {
          proxy = new ProxyServer(vertx, NodeWiring.proxySettings(config)
              .withMembers(NodeWiring.memberHosts(directory.all())), locator, registry);
          TlsFiles tls = NodeWiring.tlsFiles(config);
          proxy.memberHop(tls == null ? MemberHop.PLAINTEXT : new MemberHop(tls, replog::isMember));
          // On the master itself every acknowledged transaction is already committed in its own
          // MariaDB (semi-sync ACK precedes the commit, the commit precedes the client's OK; a new
          // master applied the whole chain before serving): nothing to wait for once the lease is
          // confirmed. MASTER_GTID_WAIT would not do here: it compares with the replica position.
          readBarrier = new NodeReadBarrier(vertx, locator, () -> readIndexHere().map(g -> ""),
              master -> replog.transport().readIndex(master),
              () -> replicaLag.lagMs(System.nanoTime()), READ_INDEX_TIMEOUT_MS);
          proxy.applyReadPolicy(NodeWiring.readPolicy(config.proxy()), readBarrier);
          return proxy.start();
        })
        .compose(x -> {
          PeerClient peers = new PeerClient(vertx, ClusterAdminService.PEER_TIMEOUT_MS, peerAuthorization());
          ClusterAdminService service = new ClusterAdminService(this, peers);
          ClusterOverview overview = new ClusterOverview(this, peers);
          admin = new AdminServer(vertx, service, NodeWiring.adminGuard(config, adminToken))
              .withMetrics(registry).withLimits(NodeWiring.adminLimits(config.admin()));
          admin.router().get("/local/overview").handler(overview::local);
          admin.router().get("/cluster").handler(overview::cluster);
          admin.peerRoute(HttpMethod.GET, "/local").handler(ctx -> ctx.response()
              .putHeader("content-type", "application/json").end(localStatus().encodePrettily()));
          new SeedAdmin(this, service).routes(admin.router());
          PeerAdmin peerAdmin = new PeerAdmin(http, peerAuthorization());
          new MembershipRoutes(this, new MembershipChanges(this, peerAdmin), peerAdmin).install(admin.router());
          return admin.listen(NodeWiring.adminBind(config), config.ports().admin());
        })
        .map(port -> {
          watcher = new ConfigWatcher(vertx, configFile, config, 1000, next -> {
            LogLevels.apply(next.logLevel());
            NodeConfig.Proxy p = next.proxy();
            proxy.applyLimits(p.maxConnections(), Duration.ofMillis(p.connectTimeoutMs()),
                Duration.ofSeconds(p.idleTimeoutSeconds()));
            proxy.applyReadPolicy(NodeWiring.readPolicy(p), readBarrier);
          }).onNotice(said -> events.add(EventKind.CONFIG, said));
          registerGauges();
          seeding.registerGauges(registry);
          seeding.watchCatchUp(() -> monitor.lagTransactions() == 0 && replog.caughtUp());
          replog.onStatus(st -> context.runOnContext(v -> {
            if (st.leaderHint() != lastLeader) {
              lastLeader = st.leaderHint();
              leaderChanges.increment();
            }
            leaderWatch.observe(st.leaderHint(), st.ballot().round() + "." + st.ballot().node()).ifPresent(said -> {
              log.info("{}", said);
              events.add(EventKind.ELECTION, said);
            });
            roleExecutor.execute(roles.onLease(st.holdsLease(), epochOf(st)));
            roleExecutor.updateRoute();
          }));
          roleExecutor.execute(roles.onFollowing());
          monitor.start();
          statusRecorder.start();
          joining = !initialised && joinCandidatePresent && directory.genesisSettled()
              && !directory.genesis().orElseThrow().contains(config.nodeId());
          if (joining) {
            log.info("node {} is a learner: it catches up from the Paxos log of members {} and votes once "
                + "`admin add-member` adds it", config.nodeId(), replog.votingMembers());
          }
          membershipTimer = vertx.setPeriodic(MEMBERSHIP_CHECK_MS, id -> watchMembership());
          log.info("node {} of cluster '{}' is up: RW {}, RO {}, admin {}, MariaDB {}", config.nodeId(),
              config.clusterId(), config.ports().rw(), config.ports().ro(), config.ports().admin(),
              config.mariadb().port());
          return null;
        });
  }

  /** Starts the replicated log, and serves backups of this node's MariaDB to members that ask. */
  private Future<ReplicatedLog> startLog() {
    return ReplicatedLog.start(vertx, NodeWiring.replogOptions(config, directory.genesis().orElseThrow(),
        directory.paxosPeers()), faults, registry).map(rl -> {
      // No campaigning until the role machine allows it: a node still seeding its MariaDB must never lead.
      rl.setCampaignAllowed(false);
      seedServer = new SeedServer(vertx, config.nodeId(), mariadb, () -> marker.read().orElse(List.of()),
          rl::firstRetained, this::checkpointCovering, rl.holds(), Duration.ofMinutes(10),
          config.rebuild().backupThrottle());
      rl.transport().serveBackups(seedServer);
      seeding.attach(new MariaDbSeeder(vertx, config, mariadb.server().config(), rl.transport(), seeding.progress()));
      return rl;
    });
  }

  /**
   * Start with an empty MariaDB datadir: the log first (seeding reaches donors through its transport),
   * then a backup of a member when the cluster exists, then MariaDB from it; a new cluster's member
   * initialises MariaDB fresh instead.
   */
  private Future<ReplicatedLog> startSeeded() {
    return startLog().compose(rl -> seedAndStart(rl, seeding.seedAtStart(initialised)));
  }

  /**
   * Start with a MariaDB datadir: the log first, then MariaDB as it is, unless the log ends below where
   * every member keeps its log (down while retention deleted what it lacks): then it is rebuilt from a
   * member's backup like a seeded node, its old datadir and log moved aside.
   */
  private Future<ReplicatedLog> startKept() {
    return startLog().compose(rl -> seeding.outsideWindowAtStart(rl.chosenBelow()).transform(ar -> {
      if (ar.failed() || ar.result().isEmpty()) {
        return mariadb.startAsFollower().compose(x -> seeding.adoptPlacedBackup()).map(rl)
            .recover(e -> rl.halt().transform(x -> Future.failedFuture(e)));
      }
      return seedAndStart(rl, seeding.rebuildAtStart(ar.result().get()).map(Optional::of));
    }));
  }

  /**
   * MariaDB from {@code seeded}'s backup (or fresh when there is none), and the log and chain from the
   * backup's chain checkpoint. The datadir is installed before the log is started over, so a crash between
   * the two leaves a node that finds itself outside the window at its next start and is rebuilt again.
   */
  private Future<ReplicatedLog> seedAndStart(ReplicatedLog rl, Future<Optional<SeedPoint>> seeded) {
    AtomicReference<ReplicatedLog> current = new AtomicReference<>(rl);
    return seeded.compose(point -> {
      if (point.isEmpty()) {
        return mariadb.startAsFollower().map(rl);
      }
      SeedPoint p = point.get();
      // A joiner (outside the genesis set) is initialised once the log makes it vote (watchMembership), not here.
      boolean joiner = !directory.genesis().orElseThrow().contains(config.nodeId());
      Future<Void> marked = initialised || joiner || p.initialisedMembers().isEmpty() ? Future.succeededFuture()
          : markInitialised(p.initialisedMembers());
      return marked.compose(x -> seeding.install(p)).compose(x -> startAtCheckpoint(rl, p, current))
          .compose(log -> mariadb.startAsFollower().compose(x -> seeding.adopt(p)).map(log));
    }).recover(e -> {
      ReplicatedLog open = current.get();
      return (open == null ? Future.<Void>succeededFuture() : open.halt()).transform(x -> Future.failedFuture(e));
    });
  }

  /**
   * A seeded node's log starts at the chain checkpoint sent with its backup, when it has not reached it
   * by itself: the log is closed, started over there ({@link CheckpointInstall}) and opened again.
   */
  private Future<ReplicatedLog> startAtCheckpoint(ReplicatedLog rl, SeedPoint p,
      AtomicReference<ReplicatedLog> current) {
    Optional<ChainCheckpoint> wanted = CheckpointInstall.wanted(p, rl.chosenBelow());
    if (wanted.isEmpty()) {
      return Future.succeededFuture(rl);
    }
    LogConfig logConfig = NodeWiring.replogOptions(config, directory.genesis().orElseThrow(),
        directory.paxosPeers()).log();
    Promise<ReplicatedLog> reopened = Promise.promise();
    // The close completes on the closed log's own context (its verticle is gone): the rest runs on the node's,
    // or the new log's verticle would be deployed as a child of the undeployed one and lose its timers.
    rl.close().onComplete(closed -> context.runOnContext(v -> {
      current.set(null);
      vertx.executeBlocking(() -> CheckpointInstall.install(wanted.get(), logConfig, config.dataDir(), p.donor()),
              false)
          .compose(installed -> {
            installed.ifPresent(cp -> startCheckpoint = cp);
            // The closed log's gauge would keep answering for the new one.
            registry.find("paxosql.replog.catchup.lag").meters().forEach(registry::remove);
            return startLog();
          })
          .onSuccess(current::set)
          .onComplete(reopened);
    }));
    return reopened.future();
  }

  /** What a rebuild of the running node asks of it. */
  private NodeSeeding.Steps rebuildSteps() {
    return new NodeSeeding.Steps() {
      @Override
      public NodeRole role() {
        return roles.role();
      }

      @Override
      public void pause() {
        roleExecutor.execute(roles.onHealth(false));
      }

      @Override
      public Future<Void> follow() {
        return roleExecutor.followLocalBinlogServer();
      }

      @Override
      public void rebuilt() {
        roleExecutor.execute(roles.onRebuilt());
        seeding.watchCatchUp(() -> monitor.lagTransactions() == 0 && replog.caughtUp());
      }

      @Override
      public void failed(String why) {
        roleExecutor.noteProblem(why);
      }
    };
  }

  /** The newest chain checkpoint a backup at {@code gtid} covers, for a joiner to start its chain from. */
  private Optional<SeedServer.Checkpoint> checkpointCovering(String gtid) {
    ChainedLog c = chain;
    if (c == null || gtid.isEmpty()) {
      return Optional.empty();
    }
    return c.checkpointCovered(GtidState.parse(gtid)).or(c::base)
        .filter(cp -> cp.state().gtids().gtids().stream().allMatch(GtidState.parse(gtid)::covers))
        .map(cp -> new SeedServer.Checkpoint(cp.encode(), cp.next().instance()));
  }

  /** Rebuilds this node's MariaDB from a member's backup (admin rebuild). */
  Future<JsonObject> rebuild(String reason) {
    Promise<JsonObject> p = Promise.promise();
    context.runOnContext(v -> seeding.rebuild(reason, rebuildSteps()).onComplete(p));
    return p.future();
  }

  NodeSeeding seeding() {
    return seeding;
  }

  /** Clean stop, in the order {@link NodeStop} explains (a master lets its commits end first). */
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      haltRoles();
      if (watcher != null) {
        watcher.close();
      }
      NodeStop.run(vertx, new NodeStop.Parts(config.nodeId(), roles.role(), proxy, admin,
          () -> roleExecutor == null ? Future.succeededFuture() : roleExecutor.stopCapture(), binlogServer,
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
      haltRoles();
      if (watcher != null) {
        watcher.close();
      }
      mariadb.server().kill();
      Future<Void> f = replog == null ? Future.succeededFuture() : replog.halt();
      f.eventually(() -> proxy == null ? Future.succeededFuture() : proxy.stop())
          .eventually(() -> admin == null ? Future.succeededFuture() : admin.close())
          .eventually(() -> roleExecutor == null ? Future.succeededFuture() : roleExecutor.stopCapture())
          .eventually(() -> binlogServer == null ? Future.succeededFuture() : binlogServer.stop())
          .onComplete(ar -> {
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
    if (roleExecutor != null) {
      roleExecutor.noteProblem(message);
    }
    crash().onComplete(ar -> failStopped.tryComplete(message));
  }

  /** No more monitoring and no more role steps: the node is going away. */
  private void haltRoles() {
    stopping = true;
    if (checkpointer != null) {
      checkpointer.stop();
    }
    statusRecorder.stop();
    vertx.cancelTimer(membershipTimer);
    if (monitor != null) {
      monitor.stop();
    }
    if (roleExecutor != null) {
      roleExecutor.halt();
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
      directory.settleGenesis();
      directory.save();
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
            "run step-down against the master's admin port; `admin status` shows which node it is"));
        return;
      }
      roleExecutor.execute(roles.onStepDownRequested());
      p.complete(new JsonObject().put("steppingDown", true).put("node", config.nodeId()));
    });
    return p.future();
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
      if (roles.role() != NodeRole.MASTER || replog == null || !replog.holdsLease()) {
        p.fail("node " + config.nodeId() + " is not the master with a lease (it is " + roles.role() + ")");
      } else {
        p.complete(chain.state().gtids().toString());
      }
    });
    return p.future();
  }

  // ---- membership ----------------------------------------------------------------------------------

  MemberDirectory directory() {
    return directory;
  }

  HttpClient http() {
    return http;
  }

  /** Whether this node is a learner that an {@code add-member} may turn into a voter. */
  boolean joinable() {
    return joining && !initialised && joinCandidatePresent && !removed;
  }

  boolean removed() {
    return removed;
  }

  /** Call after changing the directory: the transport follows it and it is saved (on a worker thread). */
  void directoryChanged() {
    context.runOnContext(v -> {
      if (replog != null) {
        replog.setPeers(directory.paxosPeers());
      }
      if (proxy != null) {
        proxy.applyMemberHosts(NodeWiring.memberHosts(directory.all()));
      }
      vertx.executeBlocking(() -> {
        directory.save();
        return null;
      }, true).onFailure(e -> log.error("node {} cannot save {}: {}", config.nodeId(), MemberDirectory.FILE,
          e.getMessage()));
    });
  }

  /** What this node knows of the membership, for a starting node's {@link MembershipDiscovery} and operators. */
  JsonObject membership() {
    JsonObject o = directory.toJson()
        .put("clusterId", config.clusterId())
        .put("node", config.nodeId())
        .put("initialised", initialised)
        .put("genesis", new JsonArray(new ArrayList<>(directory.genesis().orElse(new TreeSet<>()))));
    if (replog != null) {
      o.put("voting", new JsonArray(new ArrayList<>(replog.votingMembers())))
          .put("latest", new JsonArray(new ArrayList<>(replog.latestMembers())));
    }
    return o;
  }

  /**
   * Follows the membership the log chose: a learner that now votes is initialised (it may campaign
   * from now on); a member the log removed stops serving and says why.
   */
  private void watchMembership() {
    if (replog == null || stopping) {
      return;
    }
    vertx.executeBlocking(() -> LogSize.bytes(config.dataDir().resolve("paxos")), false)
        .onSuccess(b -> logBytes = b);
    SortedSet<Integer> voting = replog.votingMembers();
    SortedSet<Integer> latest = replog.latestMembers();
    long now = System.currentTimeMillis();
    if (latest.stream().anyMatch(id -> directory.member(id).isEmpty()) && now - lastDiscovery > REDISCOVER_MS) {
      // The log made a member of a node this node has no address for (it missed the announcement).
      lastDiscovery = now;
      MembershipDiscovery.run(http, config, directory).onSuccess(heard -> directoryChanged());
    }
    if (joining && voting.contains(config.nodeId())) {
      joining = false;
      log.info("node {} votes now: the log made it a member of {}", config.nodeId(), voting);
      markInitialised(voting.stream().map(id -> directory.member(id).map(m -> m.host() + ":" + m.paxos())
          .orElse("node" + id)).sorted().toList())
          .onFailure(e -> log.error("node {} cannot write its init marker: {}", config.nodeId(), e.getMessage()));
    }
    if (initialised && !removed && !latest.contains(config.nodeId())) {
      removed = true;
      removedReason = "node " + config.nodeId() + " was removed from the cluster: the Paxos log chose members "
          + latest;
      log.error("{}. It stops serving clients. To bring this machine back: stop it, empty its data dir {}, start "
          + "it and run `admin add-member` against a member", removedReason, config.dataDir());
      locator.set(new MasterRoute.None(removedReason));
      if (proxy != null) {
        proxy.stop();
      }
    }
  }

  long logBytes() {
    return logBytes;
  }

  // ---- reporting -----------------------------------------------------------------------------------

  private void registerGauges() {
    String node = Integer.toString(config.nodeId());
    leaderChanges = Counter.builder("paxosql.node.leader.changes").tag("node", node)
        .description("times this node saw the Paxos leader change").register(registry);
    Gauge.builder("paxosql.capture.queue", this, n -> n.chain == null ? 0 : n.chain.pendingCount()).tag("node", node)
        .description("transactions the master's capture handed over and the chain has not accepted yet").register(registry);
    Gauge.builder("paxosql.node.replica.lag.transactions", this, n -> n.monitor.lagTransactions()).tag("node", node)
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
        .put("membership", removed ? "removed" : replog != null && replog.votingMembers().contains(config.nodeId())
            ? "voting" : "learner")
        .put("joinable", joinable())
        .put("removedReason", removedReason)
        .put("chosenBelow", replog == null ? 0 : replog.chosenBelow())
        .put("logBytes", logBytes)
        .put("genesis", new JsonArray(new ArrayList<>(directory == null ? new TreeSet<Integer>()
            : directory.genesis().orElse(new TreeSet<>()))))
        .put("role", roles.role().name())
        .put("epoch", c.epoch())
        .put("chainMaster", c.masterNode() == 0 ? null : c.masterNode())
        .put("leaseHeld", st != null && st.holdsLease())
        .put("leaseRemainingMs", leaseRemainingMs())
        .put("leaderHint", st == null ? -1 : st.leaderHint())
        .put("lastChosenInstance", replog == null ? -1 : replog.chosenBelow() - 1)
        .put("chainGtid", c.gtids().toString())
        .put("lastSequence", c.lastSequence())
        .put("appliedGtid", monitor == null ? "" : monitor.appliedGtid())
        .put("lagTransactions", monitor == null ? 0 : monitor.lagTransactions())
        .put("lagMs", replicaLag.lagMs(System.nanoTime()))
        .put("diverged", roles.role() == NodeRole.DIVERGED)
        .put("divergence", roles.divergence())
        .put("needsRebuild", needsRebuild().orElse(null))
        .put("logFirstRetained", replog == null ? -1 : replog.firstRetained())
        .put("logBytes", replog == null ? 0 : replog.storage().heldBytes())
        .put("chainCheckpoint", chain == null ? null : chain.base().map(ChainCheckpoint::toString).orElse(null))
        .put("retention", replog == null ? "" : replog.retentionDecision())
        .put("mariadbRunning", mariadb.isRunning())
        .put("lastProblem", roleExecutor == null ? "" : roleExecutor.lastProblem())
        .put("captureTransactions", roleExecutor == null ? 0 : roleExecutor.captureTransactions())
        .put("seed", seeding.progress().toJson(System.nanoTime()))
        .put("donor", seedServer == null ? null : seedServer.progress().toJson(System.nanoTime()))
        .put("roleChanges", roleExecutor == null ? new JsonArray() : roleExecutor.roleChanges())
        .mergeIn(cardFacts());
  }

  /** What the status page's node card shows beyond the table: role age, MariaDB health, disk, heap, version, transfer. */
  private JsonObject cardFacts() {
    var disk = statusRecorder.disk();
    long heap = HeapAfterGc.get().bytes();
    JsonObject out = new JsonObject()
        .put("roleSinceMs", roleExecutor == null ? null : roleExecutor.roleSinceMs())
        .put("mariadb", monitor == null ? "unknown" : monitor.mariadbHealth())
        .put("disk", disk == null ? null : disk.toJson())
        .put("heapAfterGcBytes", heap < 0 ? null : heap)
        .put("heapMaxBytes", Runtime.getRuntime().maxMemory())
        .put("version", BuildVersion.describe());
    transfer.current().or(this::seedTransfer).ifPresent(t -> out.put("transfer", t.toJson()));
    return out;
  }

  /** A seed or rebuild of this node's MariaDB in progress, as the node card's transfer line shows it. */
  private Optional<TransferProgress> seedTransfer() {
    JsonObject s = seeding.progress().toJson(System.nanoTime());
    String phase = s.getString("phase", "IDLE");
    if (phase.equals("IDLE") || phase.equals("DONE")) {
      return Optional.empty();
    }
    long expected = s.getLong("expectedBytes", 0L);
    int donor = s.getInteger("donor", -1);
    return Optional.of(new TransferProgress(phase.toLowerCase(Locale.ROOT).replace('_', ' ') + " ("
        + s.getString("reason", "seed") + ")", donor < 0 ? "choosing a donor" : "node " + donor,
        s.getLong("bytes", 0L), expected > 0 ? expected : -1, s.getDouble("mbPerSecond", 0.0) * 1e6));
  }

  /**
   * Why this node cannot catch up from the log and must be rebuilt from a backup, if so: a peer answered
   * its catch-up with "snapshot needed" (the values it lacks were deleted everywhere it asked).
   */
  public Optional<String> needsRebuild() {
    var s = replog == null ? null : replog.snapshotNeeded();
    return s == null ? Optional.empty() : Optional.of("NeedsRebuild: this node's log ends before instance "
        + s.firstRetained() + ", where node " + s.from() + "'s log now starts; it is outside the retention window"
        + " and must be rebuilt from a backup (mariadb.autoRebuild, or admin rebuild --id " + config.nodeId() + ")");
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
    return "Bearer " + adminToken;
  }

  private static long epochOf(Status st) {
    return st.ballot().round() * 4096 + Math.max(0, st.ballot().node());
  }
}
