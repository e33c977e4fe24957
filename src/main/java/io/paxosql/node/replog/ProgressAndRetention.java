package io.paxosql.node.replog;

import io.paxosql.log.PaxosLog;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.Progress;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members' progress, and when the log may forget. Every {@code retentionEvery} the members tell each
 * other how far their application applied the log; this node then asks its log
 * ({@link PaxosLog#retain}, which deletes within its own margins) to drop what every member applied,
 * because no member will ask for it again. A member silent for longer than
 * {@code progressTimeout} no longer holds retention back: it will need a snapshot. With retention off
 * ({@link ReplogOptions#retention()}) progress is still exchanged and nothing is deleted.
 *
 * <p>Whatever the members report, nothing at or above this node's own floor is deleted: the lowest of what
 * the owner still needs ({@link ReplicatedLog#localFloor}: its own applied point, its chain checkpoint) and
 * of the {@link RetentionHolds}. An owner that does not know its floor yet (a node just restarted, before its
 * database reported what it applied) holds everything.
 * Runs on the node's context.
 */
final class ProgressAndRetention {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressAndRetention.class);

  /** The inputs and outcome of one retention decision, for logs and admin status. */
  record Decision(long wanted, long ownFloor, OptionalLong lowestHold, long floor, Map<Integer, Long> applied) {
    @Override
    public String toString() {
      return "members applied " + applied + " -> wanted below " + wanted + "; own floor " + ownFloor
          + (lowestHold.isPresent() ? ", lowest hold " + lowestHold.getAsLong() : "") + " -> floor " + floor;
    }
  }

  /** The owner does not know yet what it needs: keep everything. */
  static final long FLOOR_UNKNOWN = Long.MIN_VALUE;
  /** What a member last reported: applied everything below {@code applied}, heard at {@code heardAtNanos}. */
  record MemberProgress(long applied, long heardAtNanos) {
    /** A member not heard of since this node started: it holds everything back until it reports or times out. */
    static final long UNKNOWN = Long.MIN_VALUE;
  }

  private final Vertx vertx;
  private final Context context;
  private final ReplogOptions opts;
  private final PaxosLog log;
  private final CoreDriver driver;
  private final int self;
  private final long clusterId;
  private final Map<Integer, MemberProgress> progress = new HashMap<>();
  private final RetentionHolds holds;
  private long appliedMark = -1;
  private long timer = -1;
  /** What the owner still needs; by default (a log with no state derived from it) what is durable. */
  private LongSupplier localFloor;
  private volatile Decision last;

  ProgressAndRetention(Vertx vertx, Context context, ReplogOptions opts, PaxosLog log, CoreDriver driver,
                       RetentionHolds holds) {
    this.vertx = vertx;
    this.holds = holds;
    this.context = context;
    this.opts = opts;
    this.log = log;
    this.driver = driver;
    this.self = opts.paxos().nodeId();
    this.clusterId = opts.paxos().clusterId();
    // An owner that derives state from the log (the chain) needs it all until it says otherwise: deleting by
    // what is durable here, before it has, cost a restarted node the log after its chain checkpoint.
    this.localFloor = opts.ownerFloor() ? () -> FLOOR_UNKNOWN : driver::chosenBelow;
  }

  /** See {@link ReplicatedLog#localFloor}. */
  void localFloor(LongSupplier floor) {
    this.localFloor = floor;
  }

  /** The latest retention decision, or null before the first. */
  Decision lastDecision() {
    return last;
  }

  void start() {
    timer = vertx.setPeriodic(opts.retentionEvery().toMillis(), id -> exchange());
    // Peers that gave up on this node back off; a first message tells them it is back.
    exchange();
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  /** This node's application applied everything below {@code instance}. */
  void applied(long instance) {
    appliedMark = Math.max(appliedMark, instance);
  }

  /**
   * A member reported its progress. The transport admitted the sender by certificate; only current members
   * get an entry, so the map stays as small as the member set whatever arrives.
   */
  void heard(int member, long applied, long nowNanos) {
    if (driver.members().contains(member)) {
      progress.put(member, new MemberProgress(applied, nowNanos));
    }
  }

  private void exchange() {
    if (driver.stopped()) {
      return;
    }
    long durable = driver.chosenBelow();
    long applied = appliedMark >= 0 ? Math.min(appliedMark, durable) : durable;
    long now = System.nanoTime();
    progress.put(self, new MemberProgress(applied, now));
    progress.keySet().retainAll(driver.members());
    for (int m : driver.members()) {
      if (m != self) {
        driver.send(Envelope.newBuilder().setClusterId(clusterId).setFrom(self).setTo(m)
            .setProgress(Progress.newBuilder().setApplied(applied)).build());
      }
    }
    if (!opts.retention()) {
      return;
    }
    // UNKNOWN is the smallest long, so one member not heard of and not yet timed out holds everything back
    // (up to the log's bounds).
    long min = Long.MAX_VALUE;
    long silent = opts.progressTimeout().toNanos();
    Map<Integer, Long> reported = new HashMap<>();
    for (int m : driver.members()) {
      MemberProgress p = progress.get(m);
      if (p == null) {
        progress.put(m, new MemberProgress(MemberProgress.UNKNOWN, now));
        min = MemberProgress.UNKNOWN;
        reported.put(m, MemberProgress.UNKNOWN);
      } else if (now - p.heardAtNanos() < silent) {
        min = Math.min(min, p.applied());
        reported.put(m, p.applied());
      }
    }
    long wanted = min == Long.MAX_VALUE ? MemberProgress.UNKNOWN : min;
    long own = localFloor.getAsLong();
    OptionalLong hold = holds.lowest();
    long floor = Math.min(own, hold.orElse(Long.MAX_VALUE));
    floor = Math.min(floor, durable);
    Decision d = new Decision(wanted, own, hold, floor, reported);
    if (last == null || last.floor() != floor || last.wanted() != wanted) {
      LOG.debug("node {}: retention decision: {}", self, d);
    }
    last = d;
    if (floor == FLOOR_UNKNOWN) {
      return;
    }
    log.retain(wanted, floor).whenComplete((deleted, err) -> context.runOnContext(v -> {
      if (err != null) {
        LOG.warn("node {}: retention failed ({}): {}", self, d, err.toString());
      } else {
        if (deleted > 0) {
          LOG.info("node {}: retention deleted {} roll files; decision: {}", self, deleted, d);
        }
        driver.forgetBelow(log.firstRetained());
      }
    }));
  }
}
