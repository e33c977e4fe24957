package io.paxosql.node.seed;

import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.PeerClient;
import io.paxosql.node.mariadb.MariaDbConfig;
import io.paxosql.transport.NodeTransport;
import io.paxosql.transport.proto.BackupRequest;
import io.paxosql.transport.proto.SeedCaughtUpRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The joiner's side of seeding: fetches a member's MariaDB as a physical backup over the member-only
 * Paxos port, unpacks and prepares it in a staging directory beside the datadir, and swaps it in.
 * {@link #seedFrom} never touches the current datadir (a node being rebuilt keeps serving reads until
 * the swap); {@link #install} moves the old datadir aside (never deletes it) and logs the move.
 */
public final class MariaDbSeeder {
  private static final Logger log = LoggerFactory.getLogger(MariaDbSeeder.class);
  private static final long PREPARE_TIMEOUT_SECONDS = 3600;
  /** How long a donor candidate's admin port may take to tell its state. */
  public static final long PEER_TIMEOUT_MS = 1500;
  private static final DateTimeFormatter ASIDE = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private final Vertx vertx;
  private final NodeConfig config;
  private final MariaDbConfig server;
  private final NodeTransport transport;
  private final SeedProgress progress;
  private final PeerClient peers;
  private volatile BackupReceiver current;

  public MariaDbSeeder(Vertx vertx, NodeConfig config, MariaDbConfig server, NodeTransport transport,
      SeedProgress progress, PeerClient peers) {
    this.vertx = vertx;
    this.config = config;
    this.server = server;
    this.transport = transport;
    this.progress = progress;
    this.peers = peers;
  }

  public SeedProgress progress() {
    return progress;
  }

  /** Where a backup is unpacked and prepared: beside the datadir, so the swap is a rename. */
  public Path stagingDir() {
    return server.baseDir().resolve("seed-staging");
  }

  /**
   * Streams {@code donor}'s backup into the staging directory and prepares it. The future holds the
   * seed point; on failure the staging directory is removed and the cause names the donor and what
   * went wrong. The current datadir is not touched.
   */
  public Future<SeedPoint> seedFrom(int donor, String reason) {
    return fetch(donor, reason, stagingDir(), progress);
  }

  /**
   * Streams {@code donor}'s backup into {@code staging} (emptied first) and prepares it, reporting to
   * {@code progress}; on failure {@code staging} is removed.
   */
  private Future<SeedPoint> fetch(int donor, String reason, Path staging, SeedProgress progress) {
    progress.begin(reason, System.nanoTime());
    log.info("node {}: seeding its MariaDB from node {} ({})", config.nodeId(), donor, reason);
    BackupReceiver receiver = new BackupReceiver(vertx, progress, donor);
    current = receiver;
    Promise<SeedPoint> result = Promise.promise();
    long ticker = vertx.setPeriodic(5000, id -> {
      if (progress.phase() == SeedPhase.STREAMING) {
        log.info("node {}: seeding {}", config.nodeId(), progress.describe(System.nanoTime()));
      }
    });
    vertx.executeBlocking(() -> {
      BackupTools.deleteTree(staging);
      Files.createDirectories(staging);
      return null;
    }, false)
        .compose(x -> transport.backup(donor, BackupRequest.newBuilder().setClusterId(transport.clusterId())
            .setFrom(config.nodeId()).setReason(reason).build()))
        .compose(in -> receiver.receive(in, staging, server.baseDir().resolve("seed-unpack.log")))
        .compose(received -> {
          progress.phase(SeedPhase.PREPARING, System.nanoTime());
          log.info("node {}: backup from node {} received ({}); preparing it", config.nodeId(), donor,
              progress.describe(System.nanoTime()));
          return vertx.executeBlocking(() -> {
            BackupTools.run(new ProcessBuilder(BackupTools.prepare(staging)), server.baseDir().resolve("seed-prepare.log"),
                PREPARE_TIMEOUT_SECONDS, "mariadb-backup --prepare of the backup from node " + donor);
            BinlogInfo info = BinlogInfo.read(staging);
            if (!info.gtid().equals(received.trailer().getGtid())) {
              throw new IOException("the backup from node " + donor + " matches GTID " + info.gtid()
                  + " but the donor announced " + received.trailer().getGtid() + "; take another backup");
            }
            progress.gtid(info.gtid());
            return new SeedPoint(donor, info.gtid(), info.file(), info.position(),
                received.trailer().getHoldInstance(), progress.bytes(),
                received.header().getInitialisedMembersList(), staging,
                received.trailer().getChainCheckpoint().toByteArray());
          }, false);
        })
        .onComplete(ar -> {
          vertx.cancelTimer(ticker);
          current = null;
          if (ar.succeeded()) {
            log.info("node {}: backup from node {} prepared at GTID {} ({} MB)", config.nodeId(), donor,
                ar.result().gtid(), ar.result().bytes() / 1_000_000);
            result.complete(ar.result());
          } else {
            String why = "seeding from node " + donor + " failed: " + ar.cause().getMessage();
            progress.failed(why, System.nanoTime());
            log.warn("node {}: {}; the partial copy in {} is removed, the datadir is untouched", config.nodeId(),
                why, staging);
            vertx.executeBlocking(() -> {
              BackupTools.deleteTree(staging);
              return null;
            }, false).onComplete(x -> result.fail(new SeedException(why, ar.cause())));
          }
        });
    return result.future();
  }

  /**
   * Tells {@code donor} that this node, seeded from its backup, applied the log below {@code appliedBelow}: it
   * releases the log it held for this node. Answers how many holds it released.
   */
  public Future<Integer> tellCaughtUp(int donor, long appliedBelow) {
    return transport.seedCaughtUp(donor, SeedCaughtUpRequest.newBuilder().setClusterId(transport.clusterId())
        .setFrom(config.nodeId()).setAppliedBelow(appliedBelow).build());
  }

  /** Tries the donors in order until one backup arrives whole; fails with every donor's reason. */
  public Future<SeedPoint> seedFromAny(List<Integer> donors, String reason) {
    return fetchFromAny(donors, reason, stagingDir(), progress);
  }

  /**
   * An operator's backup ({@code admin backup --out DIR}): the best donor's MariaDB, prepared in
   * {@code out} (which must not exist or be empty), with {@code paxosql-backup.json} naming the cluster,
   * the donor and the GTID and log instance it matches. {@code out} is on this node's machine.
   */
  public Future<JsonObject> backupTo(Path out, SeedProgress backupProgress) {
    return vertx.executeBlocking(() -> {
      if (Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent())) {
        throw new SeedException(out + " exists and is not an empty directory: choose a new directory for the backup", null);
      }
      return null;
    }, false).compose(x -> donorOrder())
        .compose(donors -> fetchFromAny(donors, "operator backup into " + out, out, backupProgress))
        .compose(point -> vertx.executeBlocking(() -> {
          JsonObject meta = new JsonObject().put("clusterId", config.clusterId()).put("donor", point.donor())
              .put("gtid", point.gtid()).put("binlogFile", point.binlogFile()).put("binlogPos", point.binlogPos())
              .put("logInstance", point.holdInstance()).put("bytes", point.bytes())
              .put("initialisedMembers", point.initialisedMembers())
              .put("takenAt", Instant.now().toString()).put("dir", out.toString());
          Files.writeString(out.resolve(BACKUP_META), meta.encodePrettily());
          log.info("node {}: operator backup from node {} written to {} at GTID {}", config.nodeId(), point.donor(),
              out, point.gtid());
          return meta;
        }, false));
  }

  /** The file in an operator's backup that says what it holds. */
  public static final String BACKUP_META = "paxosql-backup.json";

  private Future<SeedPoint> fetchFromAny(List<Integer> donors, String reason, Path dir, SeedProgress pr) {
    if (donors.isEmpty()) {
      return Future.failedFuture(new SeedException("no member can donate a backup now (none reachable with a "
          + "running MariaDB): start the other members, or check the network between them", null));
    }
    List<String> failures = new ArrayList<>();
    Future<SeedPoint> chain = Future.failedFuture("start");
    for (int donor : donors) {
      chain = chain.recover(e -> {
        if (!"start".equals(e.getMessage())) {
          failures.add(e.getMessage());
        }
        return fetch(donor, reason, dir, pr);
      });
    }
    return chain.recover(e -> {
      failures.add(e.getMessage());
      return Future.failedFuture(new SeedException(String.join("; ", failures), e));
    });
  }

  /**
   * The members that could donate, best first: reachable members whose MariaDB runs, followers before
   * the master (a backup briefly blocks commits on its donor), fewer transactions behind first.
   */
  public Future<List<Integer>> donorOrder() {
    List<NodeConfig.Member> others = config.members().stream().filter(m -> m.id() != config.nodeId()).toList();
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (NodeConfig.Member m : others) {
      answers.add(local(m));
    }
    return Future.join(answers).transform(ar -> {
      record Candidate(int id, boolean master, long lag) {}
      List<Candidate> ok = new ArrayList<>();
      for (int i = 0; i < others.size(); i++) {
        Future<JsonObject> f = answers.get(i);
        if (f.succeeded() && f.result().getBoolean("mariadbRunning", false)
            && !"DIVERGED".equals(f.result().getString("role")) && f.result().getBoolean("initialised", false)) {
          String role = f.result().getString("role");
          // A node taking over is as good as the master: it is about to take the writes.
          ok.add(new Candidate(others.get(i).id(), "MASTER".equals(role) || "PROMOTING".equals(role),
              f.result().getLong("lagTransactions", 0L)));
        }
      }
      ok.sort(Comparator.comparing(Candidate::master).thenComparingLong(Candidate::lag));
      return Future.succeededFuture(ok.stream().map(Candidate::id).toList());
    });
  }

  /**
   * Where the Paxos log starts on each other member that answers and is initialised (its first retained
   * instance): a node whose own log ends below all of them cannot catch up from the log.
   */
  public Future<List<Long>> peerLogStarts() {
    List<Future<JsonObject>> answers = config.members().stream().filter(m -> m.id() != config.nodeId())
        .map(this::local).toList();
    return Future.join(answers).transform(ar -> Future.succeededFuture(answers.stream()
        .filter(f -> f.succeeded() && f.result().getBoolean("initialised", false)
            && f.result().getLong("logFirstRetained", -1L) >= 0)
        .map(f -> f.result().getLong("logFirstRetained")).toList()));
  }

  /** Whether any other member answers that its cluster is initialised (a new cluster has none). */
  public Future<Boolean> anyPeerInitialised() {
    List<Future<JsonObject>> answers = config.members().stream().filter(m -> m.id() != config.nodeId())
        .map(this::local).toList();
    return Future.join(answers).transform(ar -> Future.succeededFuture(answers.stream()
        .anyMatch(f -> f.succeeded() && f.result().getBoolean("initialised", false))));
  }

  /**
   * Swaps the prepared backup in: the current datadir (if any) is renamed to {@code data.aside-<time>}
   * beside it and the move logged; the staging directory becomes the datadir. MariaDB must be stopped.
   * Returns where the old datadir went, if there was one.
   */
  public Future<Optional<Path>> install(SeedPoint point) {
    return vertx.executeBlocking(() -> {
      Path data = server.dataDir();
      Optional<Path> aside = Optional.empty();
      if (Files.exists(data)) {
        Path target = data.resolveSibling("data.aside-" + LocalDateTime.now().format(ASIDE));
        for (int i = 1; Files.exists(target); i++) {
          target = data.resolveSibling("data.aside-" + LocalDateTime.now().format(ASIDE) + "-" + i);
        }
        Files.move(data, target);
        log.warn("node {}: moved the old MariaDB datadir {} aside to {} (kept, never deleted; remove it yourself "
            + "once the node serves again)", config.nodeId(), data, target);
        progress.movedAside(target.toString());
        aside = Optional.of(target);
      }
      Files.move(point.dir(), data);
      log.info("node {}: installed the backup from node {} (GTID {}) as its MariaDB datadir", config.nodeId(),
          point.donor(), point.gtid());
      return aside;
    }, false);
  }

  /** Cancels a seed in progress (the node is stopping). */
  public void cancel() {
    BackupReceiver r = current;
    if (r != null) {
      r.cancel();
    }
  }

  private Future<JsonObject> local(NodeConfig.Member m) {
    return peers.get(m.host(), m.admin(), "/local");
  }
}
