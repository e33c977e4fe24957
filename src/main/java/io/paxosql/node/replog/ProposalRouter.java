package io.paxosql.node.replog;

import com.google.protobuf.ByteString;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.ProposeResult;
import io.paxosql.transport.NodeTransport;
import io.paxosql.transport.proto.ProposeRequest;
import io.vertx.core.Promise;

/**
 * The proposal path of {@link ReplicatedLog}, on the node's context: a proposal goes to the local core, or
 * from a follower to the leader it names; a membership change goes to the local core only.
 */
final class ProposalRouter {
  private final ReplogOptions opts;
  private final CoreDriver driver;
  private final NodeTransport transport;
  private final int self;
  private final long clusterId;

  ProposalRouter(ReplogOptions opts, CoreDriver driver, NodeTransport transport) {
    this.opts = opts;
    this.driver = driver;
    this.transport = transport;
    this.self = opts.paxos().nodeId();
    this.clusterId = opts.paxos().clusterId();
  }

  void propose(byte[] bytes, Promise<LogPosition> p) {
    if (driver.stopped()) {
      p.fail("node " + self + " is stopped");
      return;
    }
    ProposeResult r = driver.propose(bytes, p);
    switch (r.outcome()) {
      case QUEUED -> { }
      case NOT_LEADER -> forward(bytes, r.leaderHint(), p);
      default -> driver.fail(p, r.outcome() + ": " + r.detail());
    }
  }

  private void forward(byte[] bytes, int leader, Promise<LogPosition> p) {
    if (!opts.forwardProposals() || leader < 0 || leader == self) {
      driver.fail(p, "not leader: " + (leader < 0 ? "unknown" : String.valueOf(leader)));
      return;
    }
    transport.propose(leader, ProposeRequest.newBuilder().setClusterId(clusterId).setFrom(self)
        .setData(ByteString.copyFrom(bytes)).build()).onComplete((reply, err) -> {
          if (err != null) {
            driver.fail(p, "forwarding to leader " + leader + " failed: " + err.getMessage());
          } else if (reply.hasError()) {
            driver.fail(p, reply.getError());
          } else {
            LogPosition pos = new LogPosition(reply.getInstance(), reply.getIndex());
            // Answer only once this node holds the value too, as for a proposal of its own.
            driver.whenDurable(pos.instance(), () -> p.tryComplete(pos));
          }
        });
  }

  void changeMembership(boolean add, int member, Promise<LogPosition> p) {
    if (driver.stopped()) {
      p.fail("node " + self + " is stopped");
      return;
    }
    long id = driver.nextProposalId();
    Entry change = add ? new Entry.AddMember(id, member) : new Entry.RemoveMember(id, member);
    ProposeResult r = driver.proposeChange(change, p);
    if (!r.queuedOk()) {
      driver.fail(p, (r.outcome() == ProposeResult.Outcome.NOT_LEADER ? "not leader: " : r.outcome() + ": ")
          + r.detail());
    }
  }
}
