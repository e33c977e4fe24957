package io.paxosql.node;

import io.micrometer.core.instrument.Counter;
import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.binlog.server.BinlogServerConfig;
import io.paxosql.config.ConfigWatcher;
import io.paxosql.config.NodeConfig;
import io.paxosql.config.SecretNames;
import io.paxosql.log.LogConfig;
import io.paxosql.node.admin.PeerClient;
import io.paxosql.node.chain.ChainCheckpoint;
import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.node.secret.SecretFile;
import io.paxosql.node.seed.MariaDbSeeder;
import io.paxosql.node.seed.SeedPoint;
import io.paxosql.node.seed.SeedServer;
import io.paxosql.node.status.EventKind;
import io.paxosql.proxy.MemberHop;
import io.paxosql.proxy.ProxyServer;
import io.paxosql.tls.TlsFiles;
import io.paxosql.transport.FaultInjector;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order a node starts its parts in, on the node's context: the data dir and the membership first
 * (discovery asks the members for the genesis set), then the replicated log and MariaDB (seeded from a
 * member when its datadir is empty), the chain and the role machine on the log, the binlog server
 * MariaDB follows, the proxy, the admin port, and last the watchers that make the node react.
 */
final class NodeStartup {
  private static final Logger log = LoggerFactory.getLogger(NodeStartup.class);
  private static final long READ_INDEX_TIMEOUT_MS = 2000;

  private final ClusterNode node;
  private final NodeParts parts;
  private final Vertx vertx;
  private final Context context;
  private final NodeConfig config;
  private final Path configFile;
  private final FaultInjector faults;
  private final RoleMachine roles;
  private final NodeMariaDb mariadb;
  private final NodeSeeding seeding;
  private final Counter chainTransactions;
  private ChainCheckpoint startCheckpoint;
  /** Where a new cluster's log starts: 0, except in tests ({@link NodeWiring#TEST_FIRST_INSTANCE}). */
  private final long firstInstance;

  NodeStartup(ClusterNode node, NodeParts parts, Context context, Path configFile, FaultInjector faults) {
    this.node = node;
    this.parts = parts;
    this.vertx = node.vertx();
    this.context = context;
    this.config = node.config();
    this.configFile = configFile;
    this.faults = faults;
    this.roles = node.roles();
    this.mariadb = node.mariadb();
    this.seeding = node.seeding();
    this.firstInstance = NodeWiring.firstInstance(System.getProperty(NodeWiring.TEST_FIRST_INSTANCE));
    this.chainTransactions = Counter.builder("paxosql.chain.transactions")
        .tag("node", Integer.toString(config.nodeId()))
        .description("transactions this node's chain accepted (commits, as every member sees them)")
        .register(node.registry());
  }

  /** Starts every part; the future completes once the node serves (as a follower). */
  Future<Void> run() {
    if (!config.tls().on()) {
      log.warn("node {}: tls.mode is off: member-to-member links (Paxos, the internal proxy hop, read index, init)"
          + " run in PLAINTEXT and peers are known only by what they claim; anyone who reaches these ports can"
          + " forge votes. Use it only on a network you trust entirely.", config.nodeId());
    }
    return vertx.executeBlocking(() -> {
      // Whether the data dir was empty is judged before this start writes anything into it.
      node.joinCandidate().prepare(config.dataDir());
      node.joinCandidatePresent(node.joinCandidate().present());
      startCheckpoint = new ChainCheckpointFile(config.dataDir()).read().orElse(null);
      parts.adminToken = SecretFile.readOrCreate(SecretNames.adminToken(config.dataDir()));
      parts.directory = MemberDirectory.load(config);
      return null;
    }).compose(x -> MembershipDiscovery.run(node.membershipPeers(), config, parts.directory))
        .compose(heard -> vertx.executeBlocking(() -> {
          if (parts.directory.genesis().isEmpty()) {
            // Nobody answered: a new cluster (its nodes start before `admin init`) or a cluster that is
            // down. Either way this node's own list is the best guess; it is saved only once settled.
            parts.directory.assumeGenesis(
                new TreeSet<>(config.members().stream().map(NodeConfig.Member::id).toList()));
          }
          if (node.initialised()) {
            parts.directory.settleGenesis();
          }
          parts.directory.save();
          return seeding.dataDirEmpty();
        }))
        .compose(empty -> empty ? startSeeded() : startKept())
        .compose(this::wireLog)
        .compose(port -> parts.roleExecutor.followLocalBinlogServer())
        .compose(x -> {
          parts.proxy = new ProxyServer(vertx, NodeWiring.proxySettings(config)
              .withMembers(NodeWiring.memberHosts(parts.directory.all())), node.locator(), node.registry());
          TlsFiles tls = NodeWiring.tlsFiles(config);
          // Read at each call: a rebuild outside the retention window replaces the log.
          parts.proxy.memberHop(tls == null ? MemberHop.PLAINTEXT
              : new MemberHop(tls, id -> parts.replog != null && parts.replog.isMember(id)));
          // On the master itself every acknowledged transaction is already committed in its own
          // MariaDB (semi-sync ACK precedes the commit, the commit precedes the client's OK; a new
          // master applied the whole chain before serving): nothing to wait for once the lease is
          // confirmed. MASTER_GTID_WAIT would not do here: it compares with the replica position.
          parts.readBarrier = new NodeReadBarrier(vertx, node.locator(), () -> node.readIndexHere().map(g -> ""),
              master -> parts.replog.transport().readIndex(master),
              () -> node.replicaLag().lagMs(System.nanoTime()), READ_INDEX_TIMEOUT_MS);
          parts.proxy.applyReadPolicy(NodeWiring.readPolicy(config.proxy()), parts.readBarrier);
          return parts.proxy.start();
        })
        .compose(x -> {
          parts.admin = NodeAdminRoutes.build(node, parts.adminToken);
          return parts.admin.listen(NodeWiring.adminBind(config), config.ports().admin());
        })
        .map(port -> {
          parts.watcher = new ConfigWatcher(vertx, configFile, config, 1000, next -> {
            LogLevels.apply(next.logLevel());
            NodeConfig.Proxy p = next.proxy();
            parts.proxy.applyLimits(p.maxConnections(), Duration.ofMillis(p.connectTimeoutMs()),
                Duration.ofSeconds(p.idleTimeoutSeconds()));
            parts.proxy.applyReadPolicy(NodeWiring.readPolicy(p), parts.readBarrier);
          }).onNotice(said -> node.events().add(EventKind.CONFIG, said));
          node.snapshot().registerGauges();
          seeding.registerGauges(node.registry());
          node.watchCatchUp();
          runOnLog();
          node.statusRecorder().start();
          node.membershipWatch().start();
          node.windowWatch().start();
          log.info("node {} of cluster '{}' is up: RW {}, RO {}, admin {}, MariaDB {}", config.nodeId(),
              config.clusterId(), config.ports().rw(), config.ports().ro(), config.ports().admin(),
              config.mariadb().port());
          return null;
        });
  }

  /**
   * The parts derived from the log, on {@code rl} (MariaDB already runs as a follower): the chain from its
   * checkpoint, the role executor and monitor, the checkpointer, and the binlog server MariaDB follows.
   */
  private Future<Integer> wireLog(ReplicatedLog rl) {
    parts.replog = rl;
    rl.onFatal(t -> node.failStop("the Paxos log", t));
    rl.setCampaignAllowed(false);
    rl.transport().serveMemberCalls(new PeerCalls(node));
    parts.chain = new ChainedLog(rl, config.nodeId(), reason -> context.runOnContext(
        v -> parts.roleExecutor.onOwnRejected(reason)), config.log().checkpointEvery(),
        config.log().checkpointBytes());
    parts.chain.subscribe(e -> {
      node.replicaLag().accepted(e.gtid(), System.nanoTime());
      chainTransactions.increment();
    });
    parts.roleExecutor = new RoleExecutor(vertx, context, config, roles, node.locator(), mariadb, rl, parts.chain,
        node.registry(), node.events(), parts.directory);
    parts.monitor = new NodeMonitor(vertx, config, roles, parts.roleExecutor, mariadb, rl, parts.chain,
        node.replicaLag(), node::initialised, seeding::rebuilding,
        reason -> seeding.autoRebuild(reason, new NodeRebuildSteps(node)));
    if (node.stopping()) {
      node.haltRoles(); // stopped while starting
    }
    // The chain is derived from its checkpoint on, or without one from the cluster's first instance (0, but for
    // the test-only start): what the log held at its beginning, before retention deleted anything.
    long from = startCheckpoint == null ? firstInstance : startCheckpoint.next().instance();
    if (rl.firstRetained() > from) {
      return Future.failedFuture(new IllegalStateException("node " + config.nodeId() + ": its Paxos log starts at "
          + rl.firstRetained() + " but its chain must be derived from " + (startCheckpoint == null
          ? "the log's beginning (there is no " + ChainCheckpointFile.NAME + ")" : startCheckpoint)
          + "; rebuild this node from a backup (admin rebuild) or restore " + ChainCheckpointFile.NAME));
    }
    if (startCheckpoint != null) {
      parts.chain.start(startCheckpoint);
    } else {
      parts.chain.start();
    }
    ChainCheckpointFile checkpointFile = new ChainCheckpointFile(config.dataDir());
    parts.checkpointer = new ChainCheckpointer(vertx, parts.chain, checkpointFile,
        () -> parts.monitor.appliedGtid(), rl::chosenBelow, t -> context.runOnContext(
            v -> node.failStop("writing the chain checkpoint " + checkpointFile.path(), t)));
    rl.localFloor(parts.checkpointer::floor);
    parts.checkpointer.start();
    parts.binlogServer = new BinlogServer(vertx, BinlogServerConfig.of(config.ports().binlog(),
        config.replication().user(), mariadb.replicationPassword(), NodeWiring.binlogServerId(config)), parts.chain);
    return parts.binlogServer.start();
  }

  /** The role machine follows the log's lease, MariaDB follows the local binlog server, the monitor looks. */
  private void runOnLog() {
    LeaseReactions leases = new LeaseReactions(config.nodeId(), roles, parts.roleExecutor, node.events(),
        node.registry());
    parts.replog.onStatus(st -> context.runOnContext(v -> leases.onStatus(st)));
    parts.roleExecutor.execute(roles.onFollowing());
    parts.monitor.start();
  }

  /**
   * A running follower outside the retention window takes a prepared backup: the parts derived from its log
   * stop (roles, monitor, checkpointer, binlog server, chain), MariaDB stops, its datadir is swapped for the
   * backup (the old one moved aside), the log is closed and started over at the backup's chain checkpoint (the
   * old one moved aside, its promises kept), and everything is wired again on the new log as at start. The
   * proxy, the admin port and the watchers keep running, so status shows the progress. A failure once the
   * old log is closed leaves a node that cannot serve: it fail-stops, and its next start finds it outside
   * the window and rebuilds it there. On the node's context.
   */
  Future<Void> relogAt(SeedPoint p) {
    log.warn("node {}: restarting its log and chain at node {}'s chain checkpoint (its log ends at {}; the members "
        + "deleted what it lacks)", config.nodeId(), p.donor(), parts.replog.chosenBelow());
    ReplicatedLog old = parts.replog;
    AtomicReference<ReplicatedLog> current = new AtomicReference<>(old);
    if (parts.checkpointer != null) {
      parts.checkpointer.stop();
    }
    parts.monitor.stop();
    parts.roleExecutor.halt();
    old.setCampaignAllowed(false);
    BinlogServer binlog = parts.binlogServer;
    ChainedLog chain = parts.chain;
    return mariadb.stop()
        .compose(x -> binlog.stop())
        .compose(x -> {
          try {
            chain.stop();
          } catch (Exception e) {
            log.warn("node {}: stopping the chain: {}", config.nodeId(), e.toString());
          }
          // Status and peers see no log while it is replaced, rather than a closed one.
          parts.binlogServer = null;
          parts.chain = null;
          parts.replog = null;
          node.registry().find("paxosql.transport.refused").meters().forEach(node.registry()::remove);
          node.registry().find("paxosql.capture.transactions").meters().forEach(node.registry()::remove);
          return seeding.install(p);
        })
        .compose(x -> startAtCheckpoint(old, p, current))
        .compose(rl -> mariadb.startAsFollower().compose(x -> seeding.adopt(p)).map(rl))
        .compose(this::wireLog)
        .compose(port -> parts.roleExecutor.followLocalBinlogServer())
        .onSuccess(x -> runOnLog())
        .recover(e -> {
          node.failStop("rebuilding outside the retention window (restarting its log at node " + p.donor()
              + "'s checkpoint)", e);
          return Future.failedFuture(e);
        });
  }

  /** Starts the replicated log, and serves backups of this node's MariaDB to members that ask. */
  private Future<ReplicatedLog> startLog() {
    return ReplicatedLog.start(vertx, NodeWiring.replogOptions(config, parts.directory.genesis().orElseThrow(),
        parts.directory.paxosPeers(), firstInstance), faults, node.registry()).map(rl -> {
      // No campaigning until the role machine allows it: a node still seeding its MariaDB must never lead.
      rl.setCampaignAllowed(false);
      parts.seedServer = new SeedServer(vertx, config.nodeId(), mariadb,
          () -> node.initialisedMembers().orElse(List.of()), rl::firstRetained,
          gtid -> ChainCheckpointer.covering(parts.chain, rl::chosenBelow, gtid), gtid -> ChainCheckpointer.chosen(parts.chain, gtid),
          rl.holds(), seeding.donorHolds(), config.rebuild().donorHoldTimeout(),
          config.rebuild().backupThrottle());
      rl.transport().serveBackups(parts.seedServer);
      seeding.attach(new MariaDbSeeder(vertx, config, mariadb.server().config(), rl.transport(), seeding.progress(),
          new PeerClient(vertx, MariaDbSeeder.PEER_TIMEOUT_MS, node.peerAuthorization())));
      return rl;
    });
  }

  /**
   * Start with an empty MariaDB datadir: the log first (seeding reaches donors through its transport),
   * then a backup of a member when the cluster exists, then MariaDB from it; a new cluster's member
   * initialises MariaDB fresh instead.
   */
  private Future<ReplicatedLog> startSeeded() {
    if (!node.joinCandidatePresent() && !node.initialised()) {
      // Its data dir held files of another life at the first start and it never belonged to this cluster:
      // add-member will refuse it, so it gets no copy of the members' data (and no backup taken for it).
      log.warn("node {}: MariaDB's datadir is empty, but the data dir {} was not empty when this node first "
          + "started and it never belonged to this cluster, so it is not seeded from the members and "
          + "`admin add-member` refuses it; MariaDB is initialised fresh. To join, start it with an empty data "
          + "dir.", config.nodeId(), config.dataDir());
      return startLog().compose(rl -> seedAndStart(rl, Future.succeededFuture(Optional.empty())));
    }
    return startLog().compose(rl -> seedAndStart(rl, seeding.seedAtStart(node.initialised())));
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
      // A joiner (outside the genesis set) is initialised once the log makes it vote (MembershipWatch), not here.
      boolean joiner = !parts.directory.genesis().orElseThrow().contains(config.nodeId());
      Future<Void> marked = node.initialised() || joiner || p.initialisedMembers().isEmpty() ? Future.succeededFuture()
          : node.markInitialised(p.initialisedMembers());
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
    LogConfig logConfig = NodeWiring.replogOptions(config, parts.directory.genesis().orElseThrow(),
        parts.directory.paxosPeers(), firstInstance).log();
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
            node.registry().find("paxosql.replog.catchup.lag").meters().forEach(node.registry()::remove);
            return startLog();
          })
          .onSuccess(current::set)
          .onComplete(reopened);
    }));
    return reopened.future();
  }
}
