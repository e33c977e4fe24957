package io.paxosql.node;

import io.paxosql.log.LogConfig;
import io.paxosql.log.LogReseed;
import io.paxosql.node.chain.ChainCheckpoint;
import io.paxosql.node.chain.ChainCheckpointFile;
import io.paxosql.node.seed.SeedPoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A seeded node starts its Paxos log and its chain where its backup stands: at the donor's chain checkpoint
 * sent with the backup (instance X), instead of replaying the log from instance 0, which retention may have
 * deleted on every member long ago. The node's own log (empty, or behind X) is started over at X by
 * {@link LogReseed} (an old one moved aside, its acceptor promises kept) and the checkpoint is written beside
 * it, so the chain is derived from X on. Blocking: call it on a worker thread, with the node's log closed.
 */
final class CheckpointInstall {
  private static final Logger log = LoggerFactory.getLogger(CheckpointInstall.class);

  private CheckpointInstall() {}

  /**
   * The checkpoint a seeded node should install, if any: the one sent with the backup, when the node's log
   * has not already reached it by itself ({@code chosenBelow}, while it was seeding).
   */
  static Optional<ChainCheckpoint> wanted(SeedPoint point, long chosenBelow) {
    if (!point.hasChainCheckpoint()) {
      return Optional.empty();
    }
    ChainCheckpoint cp = ChainCheckpoint.decode(point.chainCheckpoint(), "the chain checkpoint sent by node "
        + point.donor() + " with its backup");
    return cp.next().instance() > chosenBelow ? Optional.of(cp) : Optional.empty();
  }

  /**
   * Starts the log in {@code logConfig.dir()} over at the checkpoint and writes the checkpoint into
   * {@code dataDir}. Empty, and nothing changed, when the log already holds values chosen past the checkpoint
   * (it caught up by itself meanwhile: its chain is derived from what it holds).
   */
  static Optional<ChainCheckpoint> install(ChainCheckpoint cp, LogConfig logConfig, Path dataDir, int donor) {
    long at = cp.next().instance();
    try {
      LogReseed.startAt(logConfig, at);
    } catch (IllegalArgumentException alreadyPast) {
      log.info("the log caught up past node {}'s checkpoint while seeding ({}); it is kept", donor,
          alreadyPast.getMessage());
      return Optional.empty();
    }
    try {
      new ChainCheckpointFile(dataDir).write(cp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the chain checkpoint from node " + donor + " into " + dataDir
          + ": " + e.getMessage() + "; check the data directory's disk and permissions", e);
    }
    log.info("installed node {}'s {}: the log starts at instance {} and the chain is derived from there", donor,
        cp, at);
    return Optional.of(cp);
  }
}
