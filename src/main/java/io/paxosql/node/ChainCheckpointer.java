package io.paxosql.node;

import io.paxosql.binlog.GtidState;
import io.paxosql.node.chain.ChainCheckpoint;
import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.seed.SeedServer;
import io.vertx.core.Vertx;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists the chain's newest checkpoint that this node's MariaDB has applied, every few seconds, and tells
 * retention how far the node itself needs its log: from that checkpoint on (a restart reads the log from
 * there, and MariaDB resumes after it). Until the node stands on a checkpoint it needs its whole log.
 * Runs on the node's context; the file is written on a worker thread.
 */
final class ChainCheckpointer {
  private static final Logger log = LoggerFactory.getLogger(ChainCheckpointer.class);
  private static final long EVERY_MS = 5_000;

  private final Vertx vertx;
  private final ChainedLog chain;
  private final ChainCheckpointFile file;
  private final Supplier<String> appliedGtid;
  private final Consumer<Throwable> onWriteFailed;
  private volatile long floor = Long.MIN_VALUE;
  private boolean writing;
  private long timer = -1;

  /**
   * {@code onWriteFailed}: a checkpoint that cannot be written (I/O error, full disk) stops the node, as a
   * failing Paxos log does: the storage under the node can no longer be trusted to keep what it promised.
   */
  ChainCheckpointer(Vertx vertx, ChainedLog chain, ChainCheckpointFile file, Supplier<String> appliedGtid,
      Consumer<Throwable> onWriteFailed) {
    this.vertx = vertx;
    this.onWriteFailed = onWriteFailed;
    this.chain = chain;
    this.file = file;
    this.appliedGtid = appliedGtid;
    chain.base().ifPresent(cp -> floor = cp.next().instance());
  }

  void start() {
    timer = vertx.setPeriodic(EVERY_MS, id -> tick());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  /** Retention never deletes at or above this instance; {@link Long#MIN_VALUE} keeps the whole log. */
  long floor() {
    return floor;
  }

  private void tick() {
    String applied = appliedGtid.get();
    if (writing || applied == null || applied.isBlank()) {
      return;
    }
    GtidState state;
    try {
      state = GtidState.parse(applied);
    } catch (IllegalArgumentException e) {
      return;
    }
    Optional<ChainCheckpoint> next = chain.checkpointCovered(state);
    Optional<ChainCheckpoint> base = chain.base();
    if (next.isEmpty() || (base.isPresent() && base.get().next().compareTo(next.get().next()) >= 0)) {
      return;
    }
    ChainCheckpoint cp = next.get();
    writing = true;
    vertx.executeBlocking(() -> {
      file.write(cp);
      return null;
    }).onComplete(ar -> {
      writing = false;
      if (ar.failed()) {
        log.error("could not write {} to {}: {}", cp, file.path(), ar.cause().toString());
        onWriteFailed.accept(ar.cause());
        return;
      }
      chain.checkpointed(cp);
      floor = cp.next().instance();
      log.debug("wrote {}", cp);
    });
  }

  /** Whether the chain holds every transaction of the GTID position {@code gtid}: all of them were chosen. */
  static boolean chosen(ChainedLog chain, String gtid) {
    if (chain == null) {
      return false;
    }
    GtidState have = chain.state().gtids();
    return GtidState.parse(gtid).gtids().stream().allMatch(have::covers);
  }

  /** The newest chain checkpoint a backup at {@code gtid} covers, for a joiner to start its chain from. */
  static Optional<SeedServer.Checkpoint> covering(ChainedLog chain, String gtid) {
    if (chain == null || gtid.isEmpty()) {
      return Optional.empty();
    }
    return chain.checkpointCovered(GtidState.parse(gtid)).or(chain::base)
        .filter(cp -> cp.state().gtids().gtids().stream().allMatch(GtidState.parse(gtid)::covers))
        .map(cp -> new SeedServer.Checkpoint(cp.encode(), cp.next().instance()));
  }
}
