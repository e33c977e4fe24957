package io.paxosql.node;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.config.NodeConfig;
import io.paxosql.node.chain.ChainCheckpoint;
import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.node.seed.MariaDbSeeder;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code paxosql init --from-backup DIR}: places an operator's backup ({@code admin backup --out DIR}) into a
 * new node's data dir, before the node's first start, so a new cluster starts from it. Run it on every
 * member of the new cluster, then start the members and run {@code admin init}. Each member gets:
 * <ul>
 *   <li>a copy of the prepared backup as its MariaDB datadir;</li>
 *   <li>a chain checkpoint before instance 0 whose GTID state is the backup's, so the chain continues from
 *       the backup's transactions (a replica at the backup's GTID is where the new log begins, not diverged);</li>
 *   <li>{@value #ADOPT} holding the backup's GTID: at its first start the node sets MariaDB's
 *       {@code gtid_binlog_state} and {@code gtid_slave_pos} to it, as a seeded node does.</li>
 * </ul>
 * Refused unless the node's data dir holds no MariaDB datadir, no Paxos log and no init marker. Blocking.
 */
public final class BackupPlacement {
  /** The GTID a node adopts at its next start (then the file is removed). */
  public static final String ADOPT = "adopt-gtid";

  private BackupPlacement() {}

  /** @return what was placed, for the operator */
  public static JsonObject place(NodeConfig config, Path backup) throws IOException {
    Path meta = backup.resolve(MariaDbSeeder.BACKUP_META);
    if (!Files.isRegularFile(meta)) {
      throw new IllegalArgumentException(backup + " is not a paxosql backup (it has no " + MariaDbSeeder.BACKUP_META
          + "); take one with `admin backup --out DIR` against a running cluster");
    }
    JsonObject info = new JsonObject(Files.readString(meta));
    String gtid = info.getString("gtid", "");
    GtidState gtids;
    try {
      gtids = GtidState.parse(gtid);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(meta + " names no valid GTID position ('" + gtid + "'): take a new backup", e);
    }
    if (!Files.isDirectory(backup.resolve("mysql"))) {
      throw new IllegalArgumentException(backup + " holds no prepared MariaDB datadir (no mysql/ in it); take a new "
          + "backup with `admin backup --out DIR`");
    }
    Path dataDir = config.dataDir();
    Path mariadbData = dataDir.resolve("mariadb").resolve("data");
    for (Path taken : new Path[] {mariadbData, dataDir.resolve("paxos"), dataDir.resolve(InitMarker.FILE)}) {
      if (Files.exists(taken)) {
        throw new IllegalStateException("node " + config.nodeId() + "'s data dir " + dataDir + " already holds "
            + taken.getFileName() + ": a cluster starts from a backup only on new nodes; give this node an empty "
            + "data dir (move the old one away) and run init --from-backup again");
      }
    }
    Files.createDirectories(mariadbData.getParent());
    Path staging = mariadbData.resolveSibling("data.placing");
    deleteTree(staging);
    copyTree(backup, staging, meta);
    new ChainCheckpointFile(dataDir).write(new ChainCheckpoint(new LogPosition(0, 0), startingState(gtids)));
    Files.writeString(dataDir.resolve(ADOPT), gtid);
    // Last: until the datadir is in place, running this again starts over.
    Files.move(staging, mariadbData);
    return new JsonObject().put("node", config.nodeId()).put("datadir", mariadbData.toString()).put("gtid", gtid)
        .put("fromCluster", info.getString("clusterId")).put("takenAt", info.getString("takenAt"));
  }

  /** The GTID to adopt at this start, if {@code init --from-backup} placed a backup. */
  static Optional<String> pendingAdoption(Path dataDir) throws IOException {
    Path f = dataDir.resolve(ADOPT);
    return Files.exists(f) ? Optional.of(Files.readString(f).trim()) : Optional.empty();
  }

  static void adopted(Path dataDir) throws IOException {
    Files.deleteIfExists(dataDir.resolve(ADOPT));
  }

  /** The chain as the backup left it: no transaction of the new cluster yet, the backup's GTIDs behind it. */
  static ChainState startingState(GtidState gtids) {
    Gtid last = gtids.gtids().stream().max(Comparator.comparingLong(Gtid::seqNo)).orElse(null);
    return new ChainState(0, 0, 0, last, gtids, null);
  }

  private static void copyTree(Path from, Path to, Path skip) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Files.createDirectories(to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (!file.equals(skip)) {
          Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
