package io.paxosql.node.replog;

import io.paxosql.log.PaxosLog;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.Progress;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * The members' progress, and when the log may forget. Every {@code retentionEvery} the members tell each
 * other how far their application applied the log; this node then asks its log
 * ({@link PaxosLog#retain}, which deletes within its own margins) to drop what every member applied,
 * because no member will ask for it again. A member silent for longer than
 * {@code progressTimeout} no longer holds retention back: it will need a snapshot. With retention off
 * ({@link ReplogOptions#retention()}) progress is still exchanged and nothing is deleted.
 * Runs on the node's context.
 */
final class ProgressAndRetention {
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
  private long appliedMark = -1;
  private long timer = -1;

  ProgressAndRetention(Vertx vertx, Context context, ReplogOptions opts, PaxosLog log, CoreDriver driver) {
    this.vertx = vertx;
    this.context = context;
    this.opts = opts;
    this.log = log;
    this.driver = driver;
    this.self = opts.paxos().nodeId();
    this.clusterId = opts.paxos().clusterId();
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
    // UNKNOWN is the smallest long, so one member not heard of and not yet timed out holds everything back.
    long min = Long.MAX_VALUE;
    long silent = opts.progressTimeout().toNanos();
    for (int m : driver.members()) {
      MemberProgress p = progress.get(m);
      if (p == null) {
        progress.put(m, new MemberProgress(MemberProgress.UNKNOWN, now));
        min = MemberProgress.UNKNOWN;
      } else if (now - p.heardAtNanos() < silent) {
        min = Math.min(min, p.applied());
      }
    }
    if (min != MemberProgress.UNKNOWN && min != Long.MAX_VALUE) {
      log.retain(min).thenRun(() -> context.runOnContext(v -> driver.forgetBelow(log.firstRetained())));
    }
  }
}
