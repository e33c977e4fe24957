package io.paxosql.node;

import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.node.seed.SeedPoint;
import io.vertx.core.Future;

/**
 * What a rebuild of the running node's MariaDB asks of the node: pause its role (unhealthy), swap the
 * backup in (and, for a node outside the retention window, start its log over at the backup's chain
 * checkpoint), follow the local binlog server again once MariaDB is back, and leave the pause once it
 * caught up.
 */
final class NodeRebuildSteps implements NodeSeeding.Steps {
  private final ClusterNode node;

  NodeRebuildSteps(ClusterNode node) {
    this.node = node;
  }

  @Override
  public NodeRole role() {
    return node.role();
  }

  @Override
  public void pause() {
    node.roleExecutor().execute(roles().onHealth(false));
  }

  @Override
  public Future<Void> swapIn(SeedPoint point) {
    ReplicatedLog rl = node.replicatedLog();
    if (rl != null && CheckpointInstall.wanted(point, rl.chosenBelow()).isPresent()) {
      // The log ends below the backup's checkpoint: what lies between may be deleted on every member, so
      // the log and the chain restart there, as a seeded node's do at start.
      return node.relogAt(point);
    }
    NodeSeeding seeding = node.seeding();
    return node.mariadb().stop()
        .compose(x -> seeding.install(point))
        .compose(x -> node.mariadb().startAsFollower())
        .compose(x -> seeding.adopt(point))
        .compose(x -> node.roleExecutor().followLocalBinlogServer());
  }

  @Override
  public void rebuilt() {
    node.roleExecutor().execute(roles().onRebuilt());
    node.watchCatchUp();
  }

  @Override
  public void failed(String why) {
    node.roleExecutor().noteProblem(why);
  }

  private RoleMachine roles() {
    return node.roles();
  }
}
