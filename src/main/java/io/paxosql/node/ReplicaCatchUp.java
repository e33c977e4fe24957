package io.paxosql.node;

import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.mariadb.MariaDbControl.ReplicaStatus;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A promoting node's wait until its MariaDB has applied the chain up to the chain's tail. It waits in
 * short slices and looks at the replica between them: a replica stopped for good (refused by the binlog
 * server while the chain was still being rebuilt, or stopped by hand) would never get there, so it is
 * restarted once - the chain is current now, the master-change record having been accepted - and if it
 * stops again the wait gives up at once with the replica's own error instead of sitting out its bound.
 */
final class ReplicaCatchUp {
  private static final Logger log = LoggerFactory.getLogger(ReplicaCatchUp.class);
  private static final Duration SLICE = Duration.ofSeconds(1);

  private final int nodeId;
  private final MariaDbControl control;
  private final Supplier<Future<Void>> restartReplica;

  ReplicaCatchUp(int nodeId, MariaDbControl control, Supplier<Future<Void>> restartReplica) {
    this.nodeId = nodeId;
    this.control = control;
    this.restartReplica = restartReplica;
  }

  /** Completes once MariaDB's replica has applied {@code tail}; fails after {@code timeout} or at once. */
  Future<Void> await(String tail, Duration timeout) {
    return step(tail, timeout, System.nanoTime() + timeout.toNanos(), false);
  }

  private Future<Void> step(String tail, Duration timeout, long deadline, boolean restarted) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      return Future.failedFuture("MariaDB did not apply the chain up to " + tail + " within " + timeout.toSeconds()
          + " s");
    }
    Duration slice = Duration.ofNanos(Math.min(left, SLICE.toNanos()));
    return control.waitForGtid(tail, slice).compose(reached -> reached ? Future.succeededFuture()
        : control.replicaStatus().compose(rs -> {
          Optional<String> stop = stoppedBy(rs);
          if (stop.isEmpty()) {
            return step(tail, timeout, deadline, restarted);
          }
          if (restarted) {
            return Future.failedFuture("MariaDB's replica stopped again after a restart, short of the chain's "
                + tail + ": " + stop.get());
          }
          log.info("node {}: promoting, and MariaDB's replica is stopped ({}); restarting it", nodeId, stop.get());
          return restartReplica.get().compose(x -> step(tail, timeout, deadline, true));
        }));
  }

  /** Why the replica cannot make progress by itself, if it cannot. */
  static Optional<String> stoppedBy(Optional<ReplicaStatus> status) {
    if (status.isEmpty()) {
      return Optional.of("no replica is configured");
    }
    ReplicaStatus r = status.get();
    if (r.ioStopped()) {
      return Optional.of("IO thread stopped" + (r.lastIoError().isEmpty() ? "" : ": " + r.lastIoError()));
    }
    if (!r.sqlRunning()) {
      return Optional.of("SQL thread stopped" + (r.lastSqlError().isEmpty() ? "" : ": " + r.lastSqlError()));
    }
    return Optional.empty();
  }
}
