package io.paxosql.node;

import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleMachine;
import io.vertx.core.Future;

/**
 * What a rebuild of the running node's MariaDB asks of the node: pause its role (unhealthy), follow the
 * local binlog server again once MariaDB is back, and leave the pause once it caught up.
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
  public Future<Void> follow() {
    return node.roleExecutor().followLocalBinlogServer();
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
