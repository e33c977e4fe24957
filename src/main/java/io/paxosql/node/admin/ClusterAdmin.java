package io.paxosql.node.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What the admin port can ask of a node. Answers are JSON objects; a refusal fails the future with
 * an {@link AdminException} that says what went wrong and what to do.
 */
public interface ClusterAdmin {
  /** Members, roles, master, lease remaining, epoch, last chosen instance, each MariaDB's position and lag. */
  Future<JsonObject> status();

  Future<JsonObject> members();

  /** Bootstraps a new cluster from the members' Paxos addresses (host:port). */
  Future<JsonObject> init(List<String> members);

  /** Planned switchover: the master stops renewing its lease so another member takes over. */
  Future<JsonObject> stepDown();
}
