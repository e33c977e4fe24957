package io.paxosql.node;

import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.node.admin.AdminServer;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.NodeRole;
import io.paxosql.proxy.ProxyServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clean stop of one node, in the only safe order. First the proxy: no new statements. A master
 * then lets the commits already in MariaDB finish through the chain (setting read_only waits for
 * them; each waits for its semi-sync ACK, which the capture gives once the chain chose it), stops its
 * capture and resigns the lease, so another node takes over without waiting for it to expire. Only
 * then is MariaDB shut down: a MariaDB shut down while commits still wait for their ACK would commit
 * them, putting transactions the chain never chose into this node's database. If the commits do not
 * end in time (no quorum), MariaDB is killed instead, as a fence would: its next start as a follower
 * rolls the unacknowledged ones back. A follower stops its replica, then MariaDB. Paxos, the binlog
 * server and the admin port stop last. Every step is bounded and says in the log what it waits for.
 */
final class NodeStop {
  private static final Logger log = LoggerFactory.getLogger(NodeStop.class);
  /** How long commits in progress may take to be chosen before a master's MariaDB is killed instead. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(15);
  static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
  private static final long POLL_MS = 50;

  /** What a node owns when it stops; any part may be null (a node stopped while starting). */
  record Parts(int nodeId, NodeRole role, ProxyServer proxy, AdminServer admin, Supplier<Future<Void>> stopCapture,
      BinlogServer binlogServer, ChainedLog chain, ReplicatedLog replog, NodeMariaDb mariadb) {}

  private final Vertx vertx;
  private final Parts p;

  private NodeStop(Vertx vertx, Parts parts) {
    this.vertx = vertx;
    this.p = parts;
  }

  /** Runs the stop; the future completes (never fails) once every part is stopped or given up on. */
  static Future<Void> run(Vertx vertx, Parts parts) {
    return new NodeStop(vertx, parts).run();
  }

  /**
   * Stops as a crash would: MariaDB is killed, the log halts without flushing, the other parts are
   * dropped without any ordering for commits in progress. For fail-stop and failover tests; the future
   * completes once every part is down.
   */
  static Future<Void> crash(Parts p) {
    p.mariadb().server().kill();
    Future<Void> f = p.replog() == null ? done() : p.replog().halt();
    return f.eventually(() -> p.proxy() == null ? done() : p.proxy().stop())
        .eventually(() -> p.admin() == null ? done() : p.admin().close())
        .eventually(p.stopCapture())
        .eventually(() -> p.binlogServer() == null ? done() : p.binlogServer().stop());
  }

  private Future<Void> run() {
    boolean master = p.role() == NodeRole.MASTER || p.role() == NodeRole.PROMOTING;
    log.info("node {} stopping as {}: closing the proxy (no new statements)", p.nodeId(), p.role());
    if (p.replog() != null) {
      // A stopping node must not win an election it could not serve (its role steps are halted).
      p.replog().setCampaignAllowed(false);
    }
    return step("the proxy to close", () -> p.proxy() == null ? done() : p.proxy().stop())
        .compose(x -> master ? stopMasterMariaDb() : stopFollowerMariaDb())
        .compose(x -> step("the binlog server to close",
            () -> p.binlogServer() == null ? done() : p.binlogServer().stop()))
        .compose(x -> {
          try {
            if (p.chain() != null) {
              p.chain().stop();
            }
          } catch (Exception e) {
            log.warn("node {}: stopping the chain: {}", p.nodeId(), e.toString());
          }
          log.info("node {}: MariaDB is down; closing the replicated log", p.nodeId());
          return step("the replicated log to close", () -> p.replog() == null ? done() : p.replog().close());
        })
        .compose(x -> step("the admin port to close", () -> p.admin() == null ? done() : p.admin().close()))
        .onSuccess(x -> log.info("node {} stopped", p.nodeId()));
  }

  private Future<Void> stopMasterMariaDb() {
    MariaDbControl control = p.mariadb().control();
    log.info("node {}: waiting up to {} s for the commits in progress to be chosen (read_only=ON)",
        p.nodeId(), DRAIN_TIMEOUT.toSeconds());
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    Future<Boolean> drained = control.setReadOnly(DRAIN_TIMEOUT)
        .compose(x -> awaitNoAckWaits(control, deadline))
        .recover(e -> {
          log.warn("node {}: commits in progress did not end within {} s ({}); its MariaDB will be killed, "
              + "not shut down, so that they are rolled back at its next start", p.nodeId(),
              DRAIN_TIMEOUT.toSeconds(), e.getMessage());
          return Future.succeededFuture(false);
        });
    return drained.compose(clean -> {
      log.info("node {}: stopping the capture and resigning the lease", p.nodeId());
      return step("the capture to stop", p.stopCapture()).map(clean);
    }).compose(clean -> {
      if (p.chain() != null) {
        p.chain().endEpoch("the node is stopping");
      }
      if (p.replog() != null) {
        p.replog().resign();
      }
      return clean ? shutDownMariaDb() : killMariaDb();
    });
  }

  /** Sessions still waiting for an ACK after read_only took effect would be committed by a shutdown. */
  private Future<Boolean> awaitNoAckWaits(MariaDbControl control, long deadline) {
    return control.semiSyncWaitSessions().compose(n -> {
      if (n == 0) {
        return Future.succeededFuture(true);
      }
      if (System.nanoTime() > deadline) {
        return Future.failedFuture(n + " sessions still wait for a semi-sync ACK");
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(POLL_MS, id -> later.complete());
      return later.future().compose(x -> awaitNoAckWaits(control, deadline));
    });
  }

  private Future<Void> stopFollowerMariaDb() {
    if (p.mariadb() == null) {
      return done();
    }
    log.info("node {}: stopping its replica (waiting up to {} s)", p.nodeId(), STEP_TIMEOUT.toSeconds());
    return p.mariadb().control().stopReplicaThreads(STEP_TIMEOUT)
        .recover(e -> {
          log.warn("node {}: its replica did not stop cleanly ({}); shutting MariaDB down anyway",
              p.nodeId(), e.getMessage());
          return done();
        })
        .compose(x -> shutDownMariaDb());
  }

  private Future<Void> shutDownMariaDb() {
    log.info("node {}: shutting MariaDB down and waiting for it to exit", p.nodeId());
    return p.mariadb().stop();
  }

  private Future<Void> killMariaDb() {
    return vertx.executeBlocking(() -> {
      p.mariadb().server().kill();
      return null;
    }, false);
  }

  /** One bounded step: a failure or a timeout is logged and the stop goes on. */
  private Future<Void> step(String waitingFor, Supplier<Future<Void>> action) {
    Future<Void> f;
    try {
      f = action.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.timeout(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).recover(e -> {
      log.warn("node {}: gave up waiting for {} after {} s: {}", p.nodeId(), waitingFor,
          STEP_TIMEOUT.toSeconds(), e.toString());
      return done();
    });
  }

  private static Future<Void> done() {
    return Future.succeededFuture();
  }
}
