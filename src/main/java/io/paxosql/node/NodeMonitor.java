package io.paxosql.node;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.config.NodeConfig;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.node.status.EventKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's periodic look at its own MariaDB: health, how far it has applied the chain, and evidence
 * that it diverged, fed to the role machine; a follower's replica that the binlog server refused while
 * the chain was still being rebuilt is restarted; a replica other than the capture is cut off
 * ({@link ForeignReplicaWatch}). Runs on the node's Vert.x context.
 */
final class NodeMonitor {
  private static final Logger log = LoggerFactory.getLogger(NodeMonitor.class);
  private static final long MONITOR_MS = 200;
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  private static final long REPLICA_RETRY_NANOS = 2_000_000_000L;
  private static final int MAX_REPLICA_RETRIES = 5;

  private final Vertx vertx;
  private final NodeConfig config;
  private final RoleMachine roles;
  private final RoleExecutor executor;
  private final NodeMariaDb mariadb;
  private final ReplicatedLog replog;
  private final ChainedLog chain;
  private final ReplicaLag replicaLag;
  private final BooleanSupplier initialised;
  private final BooleanSupplier paused;
  private final Consumer<String> onDiverged;
  /** 25 observations of 200 ms: evidence must outlast a restarted node's chain catching up. */
  private final DivergenceCheck divergence = new DivergenceCheck(25);
  private long lastReplicaRestart;
  private int replicaRetries;
  private long timer = -1;
  private boolean busy;
  private boolean stopped;
  private volatile String appliedGtid = "";
  private volatile long lagTransactions;
  private volatile String mariadbHealth = "unknown";

  NodeMonitor(Vertx vertx, NodeConfig config, RoleMachine roles, RoleExecutor executor, NodeMariaDb mariadb,
      ReplicatedLog replog, ChainedLog chain, ReplicaLag replicaLag, BooleanSupplier initialised,
      BooleanSupplier paused, Consumer<String> onDiverged) {
    this.vertx = vertx;
    this.config = config;
    this.roles = roles;
    this.executor = executor;
    this.mariadb = mariadb;
    this.replog = replog;
    this.chain = chain;
    this.replicaLag = replicaLag;
    this.initialised = initialised;
    this.paused = paused;
    this.onDiverged = onDiverged;
  }

  /** Looks every MONITOR_MS from now on. */
  void start() {
    if (stopped) {
      return;
    }
    timer = vertx.setPeriodic(MONITOR_MS, id -> check());
  }

  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** MariaDB's gtid_binlog_pos when last observed. */
  String appliedGtid() {
    return appliedGtid;
  }

  /** Chain transactions MariaDB had not applied when last observed, in the chain's last domain. */
  long lagTransactions() {
    return lagTransactions;
  }

  /** "up" (answered the last probe), "hung" (runs but did not answer), "down" (not running), "unknown" before the first. */
  String mariadbHealth() {
    return mariadbHealth;
  }

  private void check() {
    if (busy || stopped || paused.getAsBoolean() || !mariadb.isRunning() && roles.role() == NodeRole.FENCING) {
      return;
    }
    busy = true;
    MariaDbControl control = mariadb.control();
    // Three round trips a cycle (a master's settings make four): the probe alone, as it is the one with a
    // deadline; the position and the replica in one; the replica check's status and processlist in one.
    control.probe(PROBE_TIMEOUT)
        .compose(x -> appliedAndReplica(control))
        .map(a -> {
          Optional<MariaDbControl.ReplicaStatus> rs = a.replica();
          // A replica error only says something while its thread is stopped by it: MariaDB keeps the
          // last error text after the thread recovers.
          String io = rs.filter(r -> !r.ioRunning()).map(MariaDbControl.ReplicaStatus::lastIoError).orElse("");
          String sql = rs.filter(r -> !r.sqlRunning()).map(MariaDbControl.ReplicaStatus::lastSqlError).orElse("");
          observe(GtidState.parse(a.gtidBinlogPos()), io, sql);
          return null;
        })
        // In every role: a replica attached to a follower would ACK its commits once it is master.
        .compose(x -> executor.checkForeignReplicas())
        .onFailure(e -> {
          mariadbHealth = mariadb.isRunning() ? "hung" : "down";
          executor.noteProblem(e.getMessage());
          executor.execute(roles.onHealth(false));
        })
        .onComplete(ar -> busy = false);
  }

  /**
   * MariaDB's position and its replica. A master's replica is reset when it promotes (RESET SLAVE ALL), and
   * what a replica reports only matters on a follower (restart, divergence), so a master asks for the
   * position alone: SHOW SLAVE STATUS has ~60 columns whose names the client decodes even when no replica is
   * configured, 5 times a second (a large share of an idle node's allocation, by JFR).
   */
  private Future<MariaDbControl.Applied> appliedAndReplica(MariaDbControl control) {
    if (roles.role() == NodeRole.MASTER) {
      return control.gtidBinlogPos().map(pos -> new MariaDbControl.Applied(pos, Optional.empty()));
    }
    return control.applied();
  }

  private void observe(GtidState applied, String replicaIoError, String replicaSqlError) {
    ChainState c = chain.state();
    mariadbHealth = "up";
    appliedGtid = applied.toString();
    replicaLag.applied(applied);
    Gtid last = c.lastGtid();
    Gtid mine = last == null ? null : applied.get(last.domainId());
    lagTransactions = last == null ? 0 : Math.max(0, last.seqNo() - (mine == null ? 0 : mine.seqNo()));
    boolean caughtUp = c.gtids().gtids().stream().allMatch(applied::covers);
    executor.execute(roles.onHealth(true));
    executor.execute(roles.onCaughtUp(caughtUp && initialised.getAsBoolean()));
    boolean chainCurrent = replog.caughtUp();
    if (replicaIoError.isEmpty()) {
      replicaRetries = 0;
    } else if (roles.role() == NodeRole.FOLLOWER && chainCurrent && replicaRetries < MAX_REPLICA_RETRIES
        && System.nanoTime() - lastReplicaRestart > REPLICA_RETRY_NANOS) {
      // The binlog server may have refused MariaDB while this node's chain was still being rebuilt
      // (error 1236 stops the IO thread for good): ask again now that the chain is current. A replica
      // refused again and again is left stopped, so the divergence check can judge it. While the node
      // promotes, ReplicaCatchUp owns the replica (one restarter at a time).
      lastReplicaRestart = System.nanoTime();
      replicaRetries++;
      log.info("node {}: restarting the replica stopped by '{}'", config.nodeId(), replicaIoError);
      executor.followLocalBinlogServer();
    }
    if (roles.role() == NodeRole.FOLLOWER) {
      divergence.observe(applied, c.gtids(), replicaIoError, replicaSqlError, chainCurrent).ifPresent(evidence -> {
        String message = evidence + ". This node refuses to serve. "
            + (config.rebuild().autoRebuild() ? "It rebuilds its MariaDB from a member's backup by itself "
                + "(mariadb.autoRebuild); the old datadir is moved aside."
                : "Rebuild it with `admin rebuild --id " + config.nodeId() + "` (mariadb.autoRebuild is off).");
        log.error("node {} has diverged: {}", config.nodeId(), message);
        executor.events().add(EventKind.DIVERGENCE, "node " + config.nodeId() + " has diverged: " + message);
        executor.execute(roles.onDiverged(message));
        onDiverged.accept(evidence);
      });
    }
    executor.updateRoute();
  }
}
