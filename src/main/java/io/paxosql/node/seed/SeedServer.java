package io.paxosql.node.seed;

import io.paxosql.node.mariadb.MariaDbConfig;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.replog.RetentionHolds;
import io.paxosql.transport.NodeTransport;
import io.paxosql.transport.proto.BackupChunk;
import io.paxosql.transport.proto.BackupHeader;
import io.paxosql.transport.proto.BackupRequest;
import io.paxosql.transport.proto.BackupTrailer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The donor: answers a member's backup request with a stream of this node's MariaDB
 * ({@code mariadb-backup --backup --stream=mbstream}) between a header and a trailer. One backup at a
 * time; from its start this node's log is held at {@code holdInstance} (at or below the backup's point),
 * moved up to the checkpoint the backup covers once the backup is taken, and kept until the joiner says it
 * caught up past it ({@link #onCaughtUp}), so the joiner can replay the log from its backup's point. A joiner
 * that never says so (it died, or gave up on this backup) loses the hold {@code holdFallback}
 * ({@code mariadb.donorHoldTimeout}) after the stream ended ({@link DonorHolds}).
 */
public final class SeedServer implements NodeTransport.BackupSource {
  private static final Logger log = LoggerFactory.getLogger(SeedServer.class);
  /** How long a backup's last transactions may take to be chosen before the backup is refused. */
  static final Duration CHOSEN_WAIT = Duration.ofSeconds(30);
  private static final long CHOSEN_POLL_MS = 50;

  private final Vertx vertx;
  private final int self;
  private final NodeMariaDb mariadb;
  private final Supplier<List<String>> initialisedMembers;
  private final LongSupplier holdInstance;
  private final Function<String, Optional<Checkpoint>> checkpointFor;
  private final Predicate<String> chosen;
  private final RetentionHolds retention;
  private final DonorHolds donorHolds;
  private final Duration holdFallback;
  private final int throttle;
  private final SeedProgress progress = new SeedProgress();
  private final AtomicBoolean busy = new AtomicBoolean();

  public SeedServer(Vertx vertx, int self, NodeMariaDb mariadb, Supplier<List<String>> initialisedMembers,
      LongSupplier holdInstance, Function<String, Optional<Checkpoint>> checkpointFor, Predicate<String> chosen,
      RetentionHolds retention, DonorHolds donorHolds, Duration holdFallback, int throttle) {
    this.chosen = chosen;
    this.vertx = vertx;
    this.self = self;
    this.mariadb = mariadb;
    this.initialisedMembers = initialisedMembers;
    this.holdInstance = holdInstance;
    this.checkpointFor = checkpointFor;
    this.retention = retention;
    this.donorHolds = donorHolds;
    this.holdFallback = holdFallback;
    this.throttle = throttle;
  }

  /** A chain checkpoint as its bytes, and the log instance a joiner would continue from. */
  public record Checkpoint(byte[] bytes, long nextInstance) {}

  /** Progress of the backup this node sends (or sent last). */
  public SeedProgress progress() {
    return progress;
  }

  @Override
  public void onBackup(BackupRequest r, WriteStream<BackupChunk> out) {
    Context context = vertx.getOrCreateContext();
    if (!mariadb.isRunning()) {
      fail(out, GrpcStatus.UNAVAILABLE, "node " + self + "'s MariaDB is not running; ask another member");
      return;
    }
    if (!busy.compareAndSet(false, true)) {
      fail(out, GrpcStatus.RESOURCE_EXHAUSTED, "node " + self + " is already sending a backup; ask another "
          + "member or retry when it ends");
      return;
    }
    long instance = holdInstance.getAsLong();
    RetentionHolds.Hold hold = retention.hold(instance, "seeding node " + r.getFrom());
    MariaDbConfig cfg = mariadb.server().config();
    log.info("node {}: sending a backup of its MariaDB to node {} ({}); log held from instance {}", self,
        r.getFrom(), r.getReason(), instance);
    progress.begin("backup for node " + r.getFrom() + ": " + r.getReason(), System.nanoTime());
    DonorStream stream = new DonorStream(context, out, progress);
    vertx.executeBlocking(() -> {
      long expected = BackupTools.backupSizeEstimate(cfg.dataDir());
      progress.streaming(r.getFrom(), expected, System.nanoTime());
      Path work = cfg.tmpDir().resolve("backup-stream");
      BackupTools.deleteTree(work);
      Files.createDirectories(work);
      BackupHeader header = BackupHeader.newBuilder().setDonor(self).setExpectedBytes(expected)
          .addAllInitialisedMembers(initialisedMembers.get()).build();
      BinlogInfo info = stream.pump(BackupChunk.newBuilder().setHeader(header).build(),
          BackupTools.backup(cfg.defaultsFile(), work, cfg.port(), mariadb.config().mariadb().adminUser(), throttle),
          mariadb.rootPassword(), cfg.baseDir().resolve("backup-send.log"));
      BackupTools.deleteTree(work);
      return info;
    }, false).compose(info -> awaitChosen(info, System.nanoTime() + CHOSEN_WAIT.toNanos())).onComplete(ar -> {
      long now = System.nanoTime();
      if (ar.succeeded()) {
        BinlogInfo info = ar.result();
        progress.gtid(info.gtid());
        progress.phase(SeedPhase.DONE, now);
        // The joiner replays from the newest checkpoint its backup covers, or from where the hold began.
        Optional<Checkpoint> cp = checkpointFor.apply(info.gtid());
        long from = cp.map(Checkpoint::nextInstance).filter(i -> i >= instance).orElse(instance);
        hold.moveTo(from);
        BackupTrailer.Builder trailer = BackupTrailer.newBuilder().setGtid(info.gtid())
            .setBinlogFile(info.file()).setBinlogPos(info.position()).setBytes(progress.bytes())
            .setHoldInstance(from);
        cp.ifPresent(c -> trailer.setChainCheckpoint(ByteString.copyFrom(c.bytes())));
        // Awaited before the trailer goes, so the joiner's "caught up" always finds it.
        DonorHolds.Pending p = donorHolds.await(r.getFrom(), from, hold, now);
        out.write(BackupChunk.newBuilder().setTrailer(trailer).build());
        out.end();
        log.info("node {}: backup for node {} sent: {} at GTID {}; log held from instance {} until node {} says it "
            + "caught up (at most {})", self, r.getFrom(), progress.describe(now), info.gtid(), from, r.getFrom(),
            holdFallback);
        vertx.setTimer(Math.max(1, holdFallback.toMillis()), id -> {
          if (donorHolds.timedOut(p.id())) {
            log.warn("node {}: node {} did not say it caught up from its backup within {} (mariadb.donorHoldTimeout); "
                + "the log hold from instance {} is released: if it still needs that log it will be rebuilt again",
                self, p.joiner(), holdFallback, p.instance());
          }
        });
      } else {
        progress.failed(ar.cause().getMessage(), now);
        stream.abandon("the donor failed");
        log.warn("node {}: backup for node {} failed: {}", self, r.getFrom(), ar.cause().getMessage());
        fail(out, GrpcStatus.INTERNAL, "node " + self + " could not send its backup: " + ar.cause().getMessage());
        donorHolds.failed(hold);
        log.info("node {}: the log hold for node {}'s failed backup is released", self, r.getFrom());
      }
      busy.set(false);
    });
  }

  /**
   * A backup may be sent only once every transaction in it was chosen. A follower's MariaDB holds only
   * chosen transactions, so its backup passes at once. A master's may hold commits still waiting for their
   * ACK (AFTER_SYNC: in the binlog, so in the backup's GTID, and mariadb-backup --prepare commits them in the
   * copy, as measured on 10.11); a joiner starting from such a copy would hold a transaction the cluster might
   * never choose. They are normally chosen within milliseconds; a master that cannot get them chosen (no
   * quorum) fails the backup, and the joiner asks another member.
   */
  private Future<BinlogInfo> awaitChosen(BinlogInfo info, long deadline) {
    if (chosen.test(info.gtid())) {
      return Future.succeededFuture(info);
    }
    if (System.nanoTime() > deadline) {
      return Future.failedFuture(new SeedException("the backup holds transactions up to GTID " + info.gtid()
          + " that the cluster did not choose within " + CHOSEN_WAIT.toSeconds() + " s (this node is the master "
          + "and may have lost its quorum); ask another member", null));
    }
    Promise<Void> later = Promise.promise();
    vertx.setTimer(CHOSEN_POLL_MS, id -> later.complete());
    return later.future().compose(x -> awaitChosen(info, deadline));
  }

  @Override
  public int onCaughtUp(int from, long appliedBelow) {
    long now = System.nanoTime();
    List<DonorHolds.Pending> released = donorHolds.caughtUp(from, appliedBelow);
    for (DonorHolds.Pending p : released) {
      log.info("node {}: node {} caught up from its backup (applied below instance {}, {} s after the stream); the "
          + "log hold from instance {} is released", self, from, appliedBelow, (now - p.sentAtNanos()) / 1_000_000_000,
          p.instance());
    }
    if (released.isEmpty()) {
      log.info("node {}: node {} says it caught up (applied below instance {}); no hold of this node for it at or "
          + "below that: {}", self, from, appliedBelow, donorHolds.waiting());
    }
    return released.size();
  }

  private static void fail(WriteStream<BackupChunk> out, GrpcStatus status, String message) {
    try {
      if (out instanceof GrpcServerResponse<?, ?> resp) {
        resp.status(status).statusMessage(message).end();
      } else {
        out.end();
      }
    } catch (RuntimeException e) {
      // The joiner's stream is already gone (it left, or this node is stopping): nobody to tell.
      log.debug("could not report a failed backup: {}", e.toString());
    }
  }
}
