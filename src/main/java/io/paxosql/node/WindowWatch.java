package io.paxosql.node;

import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.status.EventKind;
import io.paxosql.paxos.Message;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices, while the node runs, that it fell outside the retention window: a peer refused its catch-up
 * ("snapshot needed": the values it lacks were deleted there) and every member that answers keeps its log
 * only from above where this node's log ends. Then the node rebuilds itself from a member's backup as it
 * would at start ({@code mariadb.autoRebuild}, bounded attempts; its log restarts at the backup's chain
 * checkpoint). A refusal while another member still keeps what it lacks is no reason to rebuild: the node
 * is merely behind and catches up from that member's log. Polls on the node's context.
 */
final class WindowWatch {
  private static final Logger log = LoggerFactory.getLogger(WindowWatch.class);
  private static final long CHECK_MS = 1000;
  /** How often a refusal that a member's log still covers is logged again. */
  private static final long INSIDE_NOTE_MS = 30_000;

  private final ClusterNode node;
  private long timer = -1;
  private boolean asking;
  /** The log whose refusal already started a rebuild: the rebuild's own retries take it from there. */
  private ReplicatedLog handled;
  private long lastInsideNote;

  WindowWatch(ClusterNode node) {
    this.node = node;
  }

  void start() {
    timer = node.vertx().setPeriodic(CHECK_MS, id -> check());
  }

  void stop() {
    node.vertx().cancelTimer(timer);
  }

  private void check() {
    ReplicatedLog rl = node.replicatedLog();
    NodeSeeding seeding = node.seeding();
    if (rl == null || rl == handled || asking || node.stopping() || node.removed() || seeding.rebuilding()) {
      return;
    }
    Message.SnapshotNeeded refused = rl.snapshotNeeded();
    if (refused == null) {
      return;
    }
    asking = true;
    long end = rl.chosenBelow();
    seeding.seeder().peerLogStarts().onComplete(ar -> {
      asking = false;
      if (ar.failed() || node.replicatedLog() != rl || node.stopping()) {
        return;
      }
      int self = node.config().nodeId();
      Optional<String> why = NodeSeeding.outsideWindow(end, ar.result());
      if (why.isEmpty()) {
        long now = System.currentTimeMillis();
        if (now - lastInsideNote > INSIDE_NOTE_MS) {
          lastInsideNote = now;
          log.info("node {}: node {} no longer keeps the log from instance {} on, but a member still does ({}): "
              + "it catches up from the log, no rebuild", self, refused.from(), end, ar.result());
        }
        return;
      }
      handled = rl;
      String said = "node " + self + " " + why.get() + " (node " + refused.from() + " refused its catch-up while "
          + "it ran)";
      log.warn("{}", said);
      node.events().add(EventKind.REBUILD, said);
      seeding.autoRebuild("outside the retention window while running: " + why.get(), new NodeRebuildSteps(node));
    });
  }
}
