package io.paxosql.node;

import io.paxosql.transport.NodeTransport;
import io.vertx.core.Future;
import java.util.List;

/**
 * What members ask each other beside the log, served on the Paxos port where only members get through
 * (mutual TLS, the sender known by its certificate) rather than on the operators' admin port: the
 * master's read index for linearizable RO reads, and `admin init` reaching the other members.
 */
final class PeerCalls implements NodeTransport.MemberCalls {
  private final ClusterNode node;

  PeerCalls(ClusterNode node) {
    this.node = node;
  }

  @Override
  public Future<String> readIndex(int from) {
    return node.readIndexHere();
  }

  /** Same member list as this node's config, idempotent. */
  @Override
  public Future<Void> initPeer(int from, List<String> members) {
    if (!members.equals(node.expectedMembers())) {
      return Future.failedFuture("node " + from + " asked to initialise with members " + members
          + ", which differ from this node's " + node.expectedMembers() + "; make every member's config list the"
          + " same members");
    }
    return node.initialised() ? Future.succeededFuture() : node.markInitialised(members);
  }
}
