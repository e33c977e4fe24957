package io.paxosql.transport;

import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.PaxosTransportGrpcClient;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The two message streams to one peer: values (accepts, promises and catch-up answers of
 * {@link LinkTimings#BULK_BYTES} or more) on one, everything else (renewals, grants, replies, commits) on
 * the other. Both are HTTP/2 streams of the same connection, whose frames interleave, so a renewal no longer
 * waits behind megabytes of values queued before it on one stream (measured: bench/RESULTS.md, issue 16,
 * large transactions). Paxos needs no order between messages, and each lane keeps its own order.
 * Used only on the owning context.
 */
final class PeerLanes {
  private final PeerChannel small;
  private final PeerChannel bulk;

  PeerLanes(Vertx vertx, Context context, PaxosTransportGrpcClient client, TransportConfig cfg, int peer) {
    small = new PeerChannel(vertx, context, client, cfg, peer);
    bulk = new PeerChannel(vertx, context, client, cfg, peer);
  }

  void send(Envelope e) {
    (e.getSerializedSize() >= LinkTimings.BULK_BYTES ? bulk : small).send(e);
  }

  void peerIsBack() {
    small.peerIsBack();
    bulk.peerIsBack();
  }

  /** Opens the small lane now (a peer about to vote must be reachable at once); values open theirs when sent. */
  void open() {
    small.open();
  }

  boolean connected() {
    return small.connected();
  }

  long dropped() {
    return small.dropped + bulk.dropped;
  }

  /** Both lanes' timings since the last call, or null if neither had anything notable. */
  String takeReport(long notableNanos) {
    String s = small.takeReport(notableNanos);
    String b = bulk.takeReport(notableNanos);
    if (s == null && b == null) {
      return null;
    }
    return "small lane: " + (s == null ? "-" : s) + "; values lane: " + (b == null ? "-" : b);
  }

  void close() {
    small.close();
    bulk.close();
  }
}
