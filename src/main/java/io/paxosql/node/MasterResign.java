package io.paxosql.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.binlog.GtidState;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleCommand;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.EventKind;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A master that found its MariaDB able to release commits without the cluster (an {@link OnlyUsBreach})
 * resigns and fences, without losing a commit that was released meanwhile. Such a commit (ACKed by the
 * intruder, or released while semi-sync was off) went to its client before the cluster chose it, but it
 * is in MariaDB's binlog, and the capture, which streams every binlog event, proposes it like any other.
 * So the master does not fence at once (a fence rolls back or strands what the cluster never chose):
 * <ol>
 *   <li>it stops serving: its RW route becomes "none", which closes every session routed here;
 *   <li>it puts semi-sync back as it must be, so whatever still commits waits for the capture's ACK;
 *   <li>read_only=ON, which returns once the commits in progress ended (root bypasses read_only, but
 *       its commits now wait for the cluster like any other);
 *   <li>it waits, holding its lease, until the chain covers everything in MariaDB's binlog and no session
 *       waits for an ACK;
 *   <li>only then does it resign the lease; losing it fences MariaDB as any lost lease does.
 * </ol>
 * Steps 3 and 4 share one bound, {@link #DRAIN_TIMEOUT}. Past it (no quorum, or a root session writing
 * on and on) the master resigns anyway: a released commit the cluster had not chosen by then is lost
 * from the cluster, and this node's MariaDB, which holds it, later finds itself diverged. The same holds
 * if the lease ends first: the ordinary fence runs. After resigning the node stays out of elections for
 * {@link #CAMPAIGN_HOLD} or until another node leads. Runs on the node's context.
 */
final class MasterResign {
  private static final Logger log = LoggerFactory.getLogger(MasterResign.class);
  /** As for a clean stop: how long released commits may take to be chosen before the master resigns anyway. */
  static final Duration DRAIN_TIMEOUT = NodeStop.DRAIN_TIMEOUT;
  private static final long POLL_MS = 50;
  /**
   * How long a node that resigned for a breach stays out of elections unless another node leads sooner.
   * Without it the node, fenced in about a second and first in the campaign order, won the lease
   * straight back (seen in ReplicationAccessIntegrationTest). Bounded, so a cluster left with this node
   * as its only candidate is leaderless for at most this long.
   */
  static final Duration CAMPAIGN_HOLD = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final Context context;
  private final int nodeId;
  private final RoleMachine roles;
  private final Supplier<MariaDbControl> control;
  private final ChainedLog chain;
  private final EventJournal events;
  private final MeterRegistry registry;
  private final Consumer<List<RoleCommand>> execute;
  private final Runnable updateRoute;
  private final IntSupplier leader;
  private final Runnable campaignAsDecided;
  /** A breach seen while promoting waits for the promotion to end (it may still be opening MariaDB). */
  private OnlyUsBreach pending;
  private long pendingEpoch = -1;
  private long resigningEpoch = -1;
  private boolean holding;
  private long holdUntilNanos;

  MasterResign(Vertx vertx, Context context, int nodeId, RoleMachine roles, Supplier<MariaDbControl> control,
      ChainedLog chain, EventJournal events, MeterRegistry registry, Consumer<List<RoleCommand>> execute,
      Runnable updateRoute, IntSupplier leader, Runnable campaignAsDecided) {
    this.vertx = vertx;
    this.context = context;
    this.nodeId = nodeId;
    this.roles = roles;
    this.control = control;
    this.chain = chain;
    this.events = events;
    this.registry = registry;
    this.execute = execute;
    this.updateRoute = updateRoute;
    this.leader = leader;
    this.campaignAsDecided = campaignAsDecided;
  }

  /**
   * True while a node that resigned for a breach must not campaign: for {@link #CAMPAIGN_HOLD}, or until
   * another node leads.
   */
  boolean holdsCampaign() {
    if (holding) {
      int l = leader.getAsInt();
      holding = System.nanoTime() < holdUntilNanos && (l <= 0 || l == nodeId);
    }
    return holding;
  }

  /** True while this master resigns: its RW port must not route clients here. */
  boolean resigning() {
    return roles.role() == NodeRole.MASTER && resigningEpoch == roles.epoch();
  }

  /** What the watch found in this check (empty: nothing); starts the resign once the node is MASTER. */
  void observe(Optional<OnlyUsBreach> found) {
    if (holding && !holdsCampaign()) {
      campaignAsDecided.run();
    }
    NodeRole role = roles.role();
    long epoch = roles.epoch();
    boolean master = role == NodeRole.MASTER || role == NodeRole.PROMOTING;
    if (found.isPresent() && master && pendingEpoch != epoch) {
      pending = found.get();
      pendingEpoch = epoch;
    }
    if (role == NodeRole.MASTER && pendingEpoch == epoch && resigningEpoch != epoch) {
      start(pending, epoch);
    }
  }

  private void start(OnlyUsBreach breach, long epoch) {
    resigningEpoch = epoch;
    Counter.builder("paxosql.onlyus.resignations").tag("node", Integer.toString(nodeId)).tag("cause", breach.cause())
        .description("times this node resigned as master because its MariaDB could release commits without the "
            + "cluster").register(registry).increment();
    String said = "node " + nodeId + " resigns as master (epoch " + epoch + "): " + breach.reason() + ". It stops "
        + "taking writes, lets every commit already in its binlog be chosen (up to " + DRAIN_TIMEOUT.toSeconds()
        + " s), then gives up the lease and fences its MariaDB";
    log.error("{}", said);
    events.add(EventKind.SECURITY, said);
    updateRoute.run();
    MariaDbControl c = control.get();
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    // A failed step is logged and the wait goes on: the chain covering the binlog is what counts.
    c.enableSemiSyncMaster()
        .recover(e -> warned("putting semi-sync back", e))
        .compose(x -> c.setReadOnly(DRAIN_TIMEOUT).recover(e -> warned("setting read_only", e)))
        .compose(x -> awaitChosen(c, epoch, deadline))
        .onComplete(ar -> context.runOnContext(v -> finish(epoch, ar.cause())));
  }

  private Future<Void> warned(String step, Throwable e) {
    log.warn("node {}: while resigning, {} failed: {}", nodeId, step, e.getMessage());
    return Future.succeededFuture();
  }

  /** Polls until MariaDB's binlog holds nothing the chain lacks and no session waits for an ACK. */
  private Future<Void> awaitChosen(MariaDbControl c, long epoch, long deadline) {
    return c.semiSyncWaitSessions().compose(waiting -> c.gtidBinlogPos().compose(pos -> {
      if (roles.role() != NodeRole.MASTER || roles.epoch() != epoch) {
        return Future.failedFuture("the lease ended first");
      }
      Optional<String> ahead = DivergenceCheck.evidence(GtidState.parse(pos), chain.state().gtids(), "", "");
      if (ahead.isEmpty() && waiting == 0) {
        return Future.succeededFuture();
      }
      if (System.nanoTime() > deadline) {
        return Future.failedFuture(ahead.map(a -> a + " (not chosen yet)")
            .orElse(waiting + " session(s) still wait for the capture's ACK"));
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(POLL_MS, id -> later.complete());
      return later.future().compose(x -> awaitChosen(c, epoch, deadline));
    }));
  }

  private void finish(long epoch, Throwable failure) {
    if (roles.role() != NodeRole.MASTER || roles.epoch() != epoch) {
      log.warn("node {}: its lease ended while it resigned (it is {}); the ordinary fence takes over", nodeId,
          roles.role());
      return;
    }
    if (failure == null) {
      log.info("node {}: every commit in its MariaDB's binlog is chosen; resigning the lease", nodeId);
    } else {
      String said = "node " + nodeId + ": not every commit in its MariaDB's binlog was chosen within "
          + DRAIN_TIMEOUT.toSeconds() + " s (" + failure.getMessage() + "); it resigns anyway. A commit released "
          + "without the cluster and not chosen by now is lost from the cluster; this node's MariaDB, which holds "
          + "it, will be found diverged";
      log.error("{}", said);
      events.add(EventKind.SECURITY, said);
    }
    holding = true;
    holdUntilNanos = System.nanoTime() + CAMPAIGN_HOLD.toNanos();
    execute.accept(roles.onResignRequested("only-us breach (" + pending.cause() + ")"));
  }
}
