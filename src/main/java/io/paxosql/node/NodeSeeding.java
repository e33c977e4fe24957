package io.paxosql.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.AdminException;
import io.paxosql.node.mariadb.NodeMariaDb;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.seed.DonorHolds;
import io.paxosql.node.seed.MariaDbSeeder;
import io.paxosql.node.seed.RememberedDonorFile;
import io.paxosql.node.seed.SeedPhase;
import io.paxosql.node.seed.SeedPoint;
import io.paxosql.node.seed.SeedProgress;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When and how this node's MariaDB is (re)built from a member's backup: at start when its datadir is
 * empty and the cluster already exists (a wiped or new member), and while running when it diverged
 * ({@code mariadb.autoRebuild}) or an operator asks ({@code admin rebuild}). The old datadir is moved
 * aside, never deleted. Runs on the node's context; the heavy steps are in {@link MariaDbSeeder}.
 */
final class NodeSeeding {
  private static final Logger log = LoggerFactory.getLogger(NodeSeeding.class);
  /** Rounds over every donor before a start gives up, and the pause between them. */
  private static final int START_ROUNDS = 5;
  private static final long ROUND_PAUSE_MS = 3000;
  /** Automatic rebuilds a running node tries before it leaves the decision to an operator. */
  private static final int MAX_AUTO_REBUILDS = 3;
  private static final long CATCH_UP_POLL_MS = 500;
  private static final long RETRY_MS = 30_000;
  /**
   * Tries to tell the donor this node caught up, and the pause between them: about half a minute, then its hold
   * ends by its mariadb.donorHoldTimeout (a donor that restarted meanwhile holds nothing for this node any more).
   */
  private static final int CAUGHT_UP_TRIES = 10;
  private static final long CAUGHT_UP_RETRY_MS = 3_000;

  private final Vertx vertx;
  private final NodeConfig config;
  private final NodeMariaDb mariadb;
  private final SeedProgress progress = new SeedProgress();
  private final DonorHolds donorHolds = new DonorHolds();
  /**
   * The donor of the backup MariaDB runs from while it catches up: told once it has. Also in
   * {@link RememberedDonorFile} from the install on, so a restart before then still tells it.
   */
  private RememberedDonorFile.Donor adopted;
  private final RememberedDonorFile remembered;
  private MariaDbSeeder seeder;
  private boolean rebuilding;
  private int autoRebuilds;

  NodeSeeding(Vertx vertx, NodeConfig config, NodeMariaDb mariadb) {
    this.vertx = vertx;
    this.config = config;
    this.mariadb = mariadb;
    this.remembered = new RememberedDonorFile(config.dataDir());
  }

  /** Once the node's transport runs (the seeder needs it to reach donors). */
  void attach(MariaDbSeeder seeder) {
    this.seeder = seeder;
  }

  MariaDbSeeder seeder() {
    return seeder;
  }

  SeedProgress progress() {
    return progress;
  }

  /** The holds this node keeps, as a donor, for joiners still catching up from its backups. */
  DonorHolds donorHolds() {
    return donorHolds;
  }

  /** True while a rebuild replaces MariaDB: the monitor leaves it alone. */
  boolean rebuilding() {
    return rebuilding;
  }

  /** Whether MariaDB's datadir holds no database yet (new member, or wiped while down). Blocking. */
  boolean dataDirEmpty() {
    return !Files.isDirectory(mariadb.server().config().dataDir().resolve("mysql"));
  }

  /**
   * At start, with an empty datadir: seeds it from a member when the cluster already exists. Empty
   * when it does not (a new cluster: every member starts empty) or seeding is off; then MariaDB is
   * initialised fresh and replays the whole log. Fails when the cluster exists but no donor could give
   * a whole backup in {@link #START_ROUNDS} rounds: the datadir stays empty and the node does not start.
   */
  Future<Optional<SeedPoint>> seedAtStart(boolean initialisedHere) {
    if (!config.rebuild().autoRebuild()) {
      log.info("node {}: MariaDB's datadir is empty and mariadb.autoRebuild is off: initialising it fresh; it "
          + "replays the cluster's log from the start", config.nodeId());
      return Future.succeededFuture(Optional.empty());
    }
    return seeder.anyPeerInitialised().compose(peers -> {
      if (!peers && !initialisedHere) {
        return Future.succeededFuture(Optional.empty());
      }
      return startRounds(1, "node " + config.nodeId() + " starts with an empty datadir").map(Optional::of);
    });
  }

  /**
   * At start, with a datadir and a log: why this node cannot catch up from the log, if so. Its log ends at
   * {@code chosenBelow}, below where every member that answered still keeps its log (retention deleted the
   * values it lacks while it was down). Empty when a member still holds them, none answered, or
   * {@code mariadb.autoRebuild} is off (then the node starts as it is and reports it needs a rebuild).
   */
  Future<Optional<String>> outsideWindowAtStart(long chosenBelow) {
    return seeder.peerLogStarts().map(starts -> {
      Optional<String> why = outsideWindow(chosenBelow, starts);
      if (why.isEmpty()) {
        return why;
      }
      if (!config.rebuild().autoRebuild()) {
        log.warn("node {}: {}; mariadb.autoRebuild is off: it starts as it is and cannot catch up; run `admin "
            + "rebuild --id {}`", config.nodeId(), why.get(), config.nodeId());
        return Optional.<String>empty();
      }
      log.warn("node {}: {}; rebuilding it from a member's backup (its MariaDB datadir and its log are moved "
          + "aside, not deleted)", config.nodeId(), why.get());
      return why;
    });
  }

  /**
   * Why a log ending at {@code chosenBelow} cannot be caught up from members whose logs start at
   * {@code peerStarts}, if it cannot: every one of them starts above it. Empty when one still holds what
   * it lacks (catching up from the log is the answer then, not a rebuild) or none answered.
   */
  static Optional<String> outsideWindow(long chosenBelow, List<Long> peerStarts) {
    if (peerStarts.isEmpty() || peerStarts.stream().anyMatch(s -> s <= chosenBelow)) {
      return Optional.empty();
    }
    return Optional.of("its log ends at instance " + chosenBelow + " but every member that answered keeps its log "
        + "only from instance " + peerStarts.stream().mapToLong(Long::longValue).min().orElseThrow() + " on: it is "
        + "outside the retention window");
  }

  /** At start, outside the window: a whole backup of a member (rounds as {@link #seedAtStart}). */
  Future<SeedPoint> rebuildAtStart(String reason) {
    return startRounds(1, "outside the retention window at start: " + reason);
  }

  private Future<SeedPoint> startRounds(int round, String reason) {
    progress.begin(reason, System.nanoTime());
    return seeder.donorOrder()
        .compose(donors -> seeder.seedFromAny(donors, reason))
        .recover(e -> {
          if (round >= START_ROUNDS) {
            return Future.failedFuture(new IllegalStateException("node " + config.nodeId() + " could not seed its "
                + "MariaDB datadir (" + reason + ") from any member in " + START_ROUNDS + " rounds: " + e.getMessage()
                + ". Nothing was installed; start the node again once another member runs", e));
          }
          log.warn("node {}: seeding round {} of {} failed ({}); trying again in {} ms", config.nodeId(), round,
              START_ROUNDS, e.getMessage(), ROUND_PAUSE_MS);
          Promise<Void> pause = Promise.promise();
          vertx.setTimer(ROUND_PAUSE_MS, id -> pause.complete());
          return pause.future().compose(x -> startRounds(round + 1, reason));
        });
  }

  /**
   * Moves the prepared backup in (nothing to move aside in an empty datadir but an empty tree). Its donor is
   * remembered first, so from the moment MariaDB may run from the backup a restart still knows whom to tell.
   */
  Future<Void> install(SeedPoint point) {
    progress.phase(SeedPhase.INSTALLING, System.nanoTime());
    RememberedDonorFile.Donor donor = new RememberedDonorFile.Donor(point.donor(), point.holdInstance(), point.gtid());
    return vertx.executeBlocking(() -> {
      try {
        remembered.write(donor);
      } catch (IOException e) {
        // The seed goes on: only the donor's hold is at stake, and it has its timeout.
        log.warn("node {}: could not write {} ({}); if this node restarts before it caught up, node {}'s log hold "
            + "for it ends only by its mariadb.donorHoldTimeout", config.nodeId(), remembered.path(), e.toString(),
            point.donor());
      }
      return null;
    }, false).compose(x -> seeder.install(point)).recover(e -> {
      // Not installed: nobody to tell about this backup (a later seed writes its own donor).
      forget(donor);
      return Future.failedFuture(e);
    }).mapEmpty();
  }

  /** After MariaDB started on a seeded datadir: it begins where the backup was taken. */
  Future<Void> adopt(SeedPoint point) {
    return mariadb.control().adoptGtidPosition(point.gtid()).onSuccess(x -> {
      adopted = new RememberedDonorFile.Donor(point.donor(), point.holdInstance(), point.gtid());
      progress.phase(SeedPhase.CATCHING_UP, System.nanoTime());
      log.info("node {}: MariaDB runs from node {}'s backup at GTID {}; replaying the cluster's log from there",
          config.nodeId(), point.donor(), point.gtid());
    });
  }

  /**
   * After MariaDB started on a datadir placed by {@code init --from-backup}: it begins where the backup was
   * taken (once; the note is removed after).
   */
  Future<Void> adoptPlacedBackup() {
    return vertx.executeBlocking(() -> BackupPlacement.pendingAdoption(config.dataDir()), false).compose(gtid -> {
      if (gtid.isEmpty()) {
        return Future.succeededFuture();
      }
      return mariadb.control().adoptGtidPosition(gtid.get())
          .compose(x -> vertx.executeBlocking(() -> {
            BackupPlacement.adopted(config.dataDir());
            return null;
          }, false))
          .onSuccess(x -> log.info("node {}: MariaDB starts from the backup placed by init --from-backup, at GTID {}",
              config.nodeId(), gtid.get()))
          .mapEmpty();
    });
  }

  /**
   * Marks DONE once the monitor sees MariaDB caught up with the chain (polled, bounded by the node's life), and
   * then tells the donor, which releases the log it held for this node. {@code appliedBelow}: where this
   * node's log (and so its chain and MariaDB, caught up) stands; {@code isMember}: whether a node is a member
   * now. At a start with no seed under way, a donor remembered in {@link RememberedDonorFile} (this node
   * restarted before it caught up from that donor's backup) is told the same way.
   */
  void watchCatchUp(BooleanSupplier caughtUp, LongSupplier appliedBelow, IntPredicate isMember) {
    if (progress.phase() == SeedPhase.CATCHING_UP) {
      pollCatchUp(caughtUp, appliedBelow, isMember);
      return;
    }
    vertx.executeBlocking(remembered::read, false).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("node {}: {}; it is removed", config.nodeId(), ar.cause().getMessage());
        forget(null);
      } else if (ar.result().isPresent() && progress.phase() != SeedPhase.CATCHING_UP && !rebuilding) {
        RememberedDonorFile.Donor d = ar.result().get();
        adopted = d;
        progress.resumed(d.donor(), d.gtid(), "restarted while catching up from node " + d.donor() + "'s backup",
            System.nanoTime());
        log.info("node {}: restarted before it caught up from node {}'s backup (GTID {}; {}); it tells node {} once "
            + "caught up, so its log hold from instance {} ends", config.nodeId(), d.donor(), d.gtid(),
            remembered.path(), d.donor(), d.holdInstance());
        pollCatchUp(caughtUp, appliedBelow, isMember);
      }
    });
  }

  private void pollCatchUp(BooleanSupplier caughtUp, LongSupplier appliedBelow, IntPredicate isMember) {
    vertx.setPeriodic(CATCH_UP_POLL_MS, id -> {
      if (progress.phase() != SeedPhase.CATCHING_UP) {
        vertx.cancelTimer(id);
      } else if (caughtUp.getAsBoolean()) {
        progress.phase(SeedPhase.DONE, System.nanoTime());
        long below = appliedBelow.getAsLong();
        log.info("node {}: seeded MariaDB has caught up with the cluster (log applied below instance {})",
            config.nodeId(), below);
        vertx.cancelTimer(id);
        RememberedDonorFile.Donor d = adopted;
        adopted = null;
        if (d != null) {
          tellDonor(d, below, isMember, 1);
        }
      }
    });
  }

  /**
   * Tells donor {@code d} this node caught up past its backup; bounded retries, then its timeout. The remembered
   * donor is forgotten once it answered or this node gave up.
   */
  private void tellDonor(RememberedDonorFile.Donor d, long appliedBelow, IntPredicate isMember, int attempt) {
    if (appliedBelow < d.holdInstance()) {
      log.warn("node {}: caught up only below instance {}, under node {}'s hold at {}; not telling it (its hold "
          + "ends by its mariadb.donorHoldTimeout)", config.nodeId(), appliedBelow, d.donor(), d.holdInstance());
      forget(d);
      return;
    }
    if (!isMember.test(d.donor())) {
      log.warn("node {}: caught up from node {}'s backup, but node {} is no longer a member: not telling it (a hold "
          + "it still keeps ends by its mariadb.donorHoldTimeout)", config.nodeId(), d.donor(), d.donor());
      forget(d);
      return;
    }
    seeder.tellCaughtUp(d.donor(), appliedBelow).onComplete(ar -> {
      if (ar.succeeded()) {
        log.info("node {}: told node {} it caught up from its backup; {} log hold(s) released there",
            config.nodeId(), d.donor(), ar.result());
        forget(d);
      } else if (attempt < CAUGHT_UP_TRIES) {
        vertx.setTimer(CAUGHT_UP_RETRY_MS, t -> tellDonor(d, appliedBelow, isMember, attempt + 1));
      } else {
        log.warn("node {}: gave up telling node {} it caught up from its backup ({} tries over about {} s, last: {}); "
            + "its log hold for this node, if it still keeps one, ends by its mariadb.donorHoldTimeout",
            config.nodeId(), d.donor(), CAUGHT_UP_TRIES, CAUGHT_UP_TRIES * CAUGHT_UP_RETRY_MS / 1000,
            ar.cause().getMessage());
        forget(d);
      }
    });
  }

  /** Removes the remembered donor if it is still {@code d} (null: whatever it holds, e.g. a damaged file). */
  private void forget(RememberedDonorFile.Donor d) {
    vertx.executeBlocking(() -> {
      if (d == null) {
        remembered.remove();
      } else {
        remembered.removeIfNames(d);
      }
      return null;
    }, false).onFailure(e -> log.warn("node {}: could not remove {}: {}", config.nodeId(), remembered.path(),
        e.toString()));
  }

  /** The hooks a running rebuild needs from the node. */
  interface Steps {
    NodeRole role();

    /** Campaigning off, monitor paused (called before MariaDB stops). */
    void pause();

    /**
     * Swaps the prepared backup in and runs again: MariaDB stopped, its datadir replaced
     * ({@link #install}), started as a follower of the local binlog server from the backup's GTID
     * ({@link #adopt}); for a node outside the retention window its log and chain start over at the
     * backup's chain checkpoint too.
     */
    Future<Void> swapIn(SeedPoint point);

    /** The role machine learns MariaDB was rebuilt; monitoring resumes. */
    void rebuilt();

    /** The rebuild failed; the node resumes as it was (or stays down if MariaDB could not start). */
    void failed(String why);
  }

  /** An automatic rebuild (diverged, outside the window): bounded, and only while allowed by config. */
  void autoRebuild(String reason, Steps steps) {
    if (!config.rebuild().autoRebuild()) {
      log.warn("node {}: {}; mariadb.autoRebuild is off: run `admin rebuild --id {}` to rebuild it from a member",
          config.nodeId(), reason, config.nodeId());
      return;
    }
    if (autoRebuilds >= MAX_AUTO_REBUILDS) {
      log.error("node {}: {}; {} automatic rebuilds were tried already: run `admin rebuild --id {}` once the cause "
          + "is fixed", config.nodeId(), reason, MAX_AUTO_REBUILDS, config.nodeId());
      return;
    }
    autoRebuilds++;
    Runnable again = () -> {
      log.warn("node {}: automatic rebuild {} of {} failed; trying again in 30 s", config.nodeId(), autoRebuilds,
          MAX_AUTO_REBUILDS);
      vertx.setTimer(RETRY_MS, id -> autoRebuild(reason, steps));
    };
    rebuild("automatic: " + reason, steps, again).onFailure(e -> {
      if (!rebuilding) {
        again.run();
      }
    });
  }

  /**
   * Rebuilds the running node's MariaDB from the best donor. The backup is fetched and prepared while
   * the old MariaDB still runs; only then is MariaDB stopped, its datadir moved aside and the backup
   * moved in. Answers at once with what was started; progress is in status.
   */
  Future<JsonObject> rebuild(String reason, Steps steps) {
    return rebuild(reason, steps, () -> { });
  }

  private Future<JsonObject> rebuild(String reason, Steps steps, Runnable onFailure) {
    if (rebuilding) {
      return Future.failedFuture(new AdminException("rebuilding", 409, "node " + config.nodeId()
          + " is already being rebuilt: " + progress.describe(System.nanoTime()), "wait for it; `admin status` shows its progress"));
    }
    NodeRole role = steps.role();
    if (role == NodeRole.MASTER || role == NodeRole.PROMOTING) {
      return Future.failedFuture(new AdminException("is-master", 409, "node " + config.nodeId()
          + " is the master; a master is not rebuilt", "run `admin step-down` against it first, then rebuild it"));
    }
    rebuilding = true;
    log.warn("node {}: rebuilding its MariaDB from a member's backup ({})", config.nodeId(), reason);
    progress.begin(reason, System.nanoTime());
    seeder.donorOrder()
        .compose(donors -> seeder.seedFromAny(donors, "rebuild of node " + config.nodeId() + ": " + reason))
        .compose(point -> {
          steps.pause();
          progress.phase(SeedPhase.INSTALLING, System.nanoTime());
          return steps.swapIn(point);
        })
        .onComplete(ar -> {
          rebuilding = false;
          if (ar.succeeded()) {
            autoRebuilds = 0;
            steps.rebuilt();
          } else {
            String why = "rebuild of node " + config.nodeId() + " failed: " + ar.cause().getMessage();
            if (progress.phase() != SeedPhase.FAILED) {
              progress.failed(why, System.nanoTime());
            }
            log.error("node {}: {}", config.nodeId(), why);
            steps.failed(why);
            onFailure.run();
          }
        });
    return Future.succeededFuture(new JsonObject().put("rebuilding", true).put("node", config.nodeId())
        .put("reason", reason));
  }

  void registerGauges(MeterRegistry registry) {
    String node = Integer.toString(config.nodeId());
    Gauge.builder("paxosql.seed.phase", progress, p -> p.phase().ordinal()).tag("node", node)
        .description("0 idle, 1 choosing donor, 2 streaming, 3 preparing, 4 installing, 5 catching up, 6 done, 7 failed")
        .register(registry);
    Gauge.builder("paxosql.seed.bytes", progress, SeedProgress::bytes).tag("node", node)
        .description("bytes of the current or last seed received").register(registry);
    Gauge.builder("paxosql.seed.percent", progress, SeedProgress::percent).tag("node", node).register(registry);
    Gauge.builder("paxosql.seed.rate.mbps", progress, p -> p.mbPerSecond(System.nanoTime())).tag("node", node)
        .description("stream rate of the current or last seed, MB/s").register(registry);
    Gauge.builder("paxosql.seed.eta.seconds", progress, p -> p.etaSeconds(System.nanoTime())).tag("node", node)
        .register(registry);
    for (DonorHolds.Ending how : DonorHolds.Ending.values()) {
      FunctionCounter.builder("paxosql.seed.holds.ended", donorHolds, h -> h.ended(how)).tag("node", node)
          .tag("how", how.tag()).description("log holds this node kept as a donor, by how they ended")
          .register(registry);
    }
    Gauge.builder("paxosql.seed.holds.waiting", donorHolds, h -> h.waiting().size()).tag("node", node)
        .description("log holds this node keeps as a donor for joiners still catching up").register(registry);
  }
}
