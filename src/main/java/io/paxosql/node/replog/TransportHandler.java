package io.paxosql.node.replog;

import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.ProposeResult;
import io.paxosql.transport.MessageCodec;
import io.paxosql.transport.NodeTransport;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.streams.WriteStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traffic from peers, as the transport delivers it on the node's context: core messages are stepped
 * into the core, progress reports go to retention, proposals forwarded by followers are proposed here,
 * and catch-up requests are served from the log.
 */
final class TransportHandler implements NodeTransport.Handler {
  private static final Logger LOG = LoggerFactory.getLogger(TransportHandler.class);

  private final CoreDriver driver;
  private final ProgressAndRetention retention;
  private final CatchUpServer catchUpServer;
  private final int self;
  private final boolean forwarding;

  /** @param forwarding whether followers may forward proposals here ({@link ReplogOptions#forwardProposals}) */
  TransportHandler(CoreDriver driver, ProgressAndRetention retention, CatchUpServer catchUpServer, int self,
      boolean forwarding) {
    this.driver = driver;
    this.retention = retention;
    this.catchUpServer = catchUpServer;
    this.self = self;
    this.forwarding = forwarding;
  }

  /**
   * The members at the first unchosen instance, as the core knows them: the transport admits traffic only
   * from these (by certificate). Membership changes go through the log, so this follows them.
   */
  @Override
  public boolean isMember(int node) {
    return node != self && driver.members().contains(node);
  }

  @Override
  public void onMessage(Envelope e) {
    if (driver.stopped()) {
      return;
    }
    if (e.hasProgress()) {
      retention.heard(e.getFrom(), e.getProgress().getApplied(), System.nanoTime());
      return;
    }
    if (e.hasAccept() && driver.stillWriting(e.getFrom(), e.getAccept().getInstance(),
        MessageCodec.ballot(e.getAccept().getBallot()))) {
      return;
    }
    Message m;
    try {
      m = MessageCodec.decode(e);
    } catch (IllegalArgumentException ex) {
      LOG.warn("node {}: dropping a malformed message from node {}: {}", self, e.getFrom(), ex.getMessage());
      return;
    }
    driver.notePeerChosenBelow(chosenBelow(m));
    driver.step(m);
    driver.drive();
  }

  /** A follower forwarded a proposal: the reply carries its position, or why it was not chosen. */
  @Override
  public Future<ProposeReply> onPropose(ProposeRequest r) {
    if (driver.stopped()) {
      return Future.succeededFuture(ProposeReply.newBuilder().setError("node " + self + " is stopped").build());
    }
    if (!forwarding) {
      // Only the master proposes (its capture), and it leads: a forwarded proposal is no part of this cluster.
      driver.countFailure();
      return Future.succeededFuture(ProposeReply.newBuilder().setError("node " + self + " takes no forwarded"
          + " proposals: forwarding is off in this cluster").build());
    }
    Promise<LogPosition> p = Promise.promise();
    ProposeResult res = driver.propose(r.getData().toByteArray(), p);
    if (!res.queuedOk()) {
      String why = res.outcome() == ProposeResult.Outcome.NOT_LEADER
          ? "not leader: " + (res.leaderHint() < 0 ? "unknown" : String.valueOf(res.leaderHint()))
          : res.outcome() + ": " + res.detail();
      driver.countFailure();
      return Future.succeededFuture(ProposeReply.newBuilder().setError(why).setLeaderHint(res.leaderHint()).build());
    }
    return p.future().map(pos -> ProposeReply.newBuilder().setInstance(pos.instance()).setIndex(pos.index())
        .setLeaderHint(self).build())
        .recover(err -> Future.succeededFuture(ProposeReply.newBuilder().setError(err.getMessage()).build()));
  }

  @Override
  public void onCatchUp(CatchUpRequest r, WriteStream<ValuesBatch> out) {
    catchUpServer.serve(r, out);
  }

  /** The sender's commit point, from the messages that carry one; -1 from the others. */
  private static long chosenBelow(Message m) {
    if (m instanceof Message.Accept a) {
      return a.chosenBelow();
    } else if (m instanceof Message.Commit k) {
      return k.chosenBelow();
    } else if (m instanceof Message.Renew r) {
      return r.chosenBelow();
    } else if (m instanceof Message.Nack n) {
      return n.chosenBelow();
    }
    return -1;
  }
}
