package io.paxosql.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.FreePorts;
import io.paxosql.testing.OnContext;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Commit;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.StoredValue;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import com.google.protobuf.ByteString;
import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real transports on loopback gRPC. */
class NodeTransportTest {
  final Vertx vertx = Vertx.vertx();
  final FaultInjector faults = new FaultInjector();
  final List<NodeTransport> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (NodeTransport t : started) {
      onContext(t::close);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Records what arrives; answers proposals with their size and streams 10 batches for catch-up. */
  static final class Recorder implements NodeTransport.Handler {
    final LinkedBlockingQueue<Envelope> got = new LinkedBlockingQueue<>();
    final Set<Integer> members;

    Recorder() {
      this(Set.of(1, 2, 3));
    }

    Recorder(Set<Integer> members) {
      this.members = members;
    }

    @Override
    public boolean isMember(int node) {
      return members.contains(node);
    }

    @Override
    public void onMessage(Envelope e) {
      got.add(e);
    }

    @Override
    public Future<ProposeReply> onPropose(ProposeRequest r) {
      return Future.succeededFuture(ProposeReply.newBuilder().setInstance(r.getData().size()).build());
    }

    @Override
    public void onCatchUp(CatchUpRequest r, WriteStream<ValuesBatch> out) {
      for (int b = 0; b < 10; b++) {
        ValuesBatch.Builder batch = ValuesBatch.newBuilder().setChosenBelow(r.getFromInstance() + 1000);
        for (int i = 0; i < 100; i++) {
          long inst = r.getFromInstance() + b * 100L + i;
          batch.addValues(StoredValue.newBuilder().setInstance(inst).setValue(ByteString.copyFrom(new byte[4096])));
        }
        out.write(batch.build());
      }
      out.end();
    }
  }

  private <T> T onContext(Supplier<Future<T>> action) throws Exception {
    return OnContext.await(ctx, action);
  }

  final Context ctx = vertx.getOrCreateContext();

  private NodeTransport start(long cluster, int node, int port, Map<Integer, String> peers, Recorder r,
                              TlsFiles tls) throws Exception {
    TransportConfig cfg = TransportConfig.plain(cluster, node, "127.0.0.1", port, peers);
    if (tls != null) {
      cfg = cfg.withTls(tls);
    }
    TransportConfig c = cfg;
    NodeTransport t = onContext(() -> NodeTransport.start(vertx, c, faults, r));
    started.add(t);
    return t;
  }

  private static Envelope commit(long cluster, int from, int to, long below) {
    return Envelope.newBuilder().setClusterId(cluster).setFrom(from).setTo(to)
        .setCommit(Commit.newBuilder().setChosenBelow(below)).build();
  }

  private void exchange(TlsFiles tlsA, TlsFiles tlsB) throws Exception {
    int pa = FreePorts.next();
    int pb = FreePorts.next();
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    NodeTransport a = start(7, 1, pa, Map.of(2, "127.0.0.1:" + pb), ra, tlsA);
    start(7, 2, pb, Map.of(1, "127.0.0.1:" + pa), rb, tlsB);
    ctx.runOnContext(v -> {
      for (int i = 0; i < 1000; i++) {
        a.send(commit(7, 1, 2, i));
      }
    });
    for (int i = 0; i < 1000; i++) {
      Envelope e = rb.got.poll(20, TimeUnit.SECONDS);
      assertEquals(i, e.getCommit().getChosenBelow(), "in order, none lost");
    }
    ProposeReply reply = onContext(() -> a.propose(2, ProposeRequest.newBuilder().setClusterId(7).setFrom(1)
        .setData(ByteString.copyFrom(new byte[123])).build()));
    assertEquals(123, reply.getInstance());
    long[] seen = {0, -1};
    onContext(() -> a.catchUp(2, CatchUpRequest.newBuilder().setClusterId(7).setFrom(1).setFromInstance(500).build())
        .compose(stream -> {
          Promise<Void> done = Promise.promise();
          stream.handler(b -> {
            for (StoredValue sv : b.getValuesList()) {
              assertEquals(500 + seen[0], sv.getInstance());
              seen[0]++;
            }
          });
          stream.endHandler(x -> done.complete());
          stream.exceptionHandler(done::fail);
          return done.future();
        }));
    assertEquals(1000, seen[0]);
  }

  /** A peer added at run time gets messages; once removed it gets none, and no link is left to it. */
  @Test
  void peersComeAndGoAtRunTime() throws Exception {
    int pa = FreePorts.next();
    int pb = FreePorts.next();
    Recorder rb = new Recorder();
    NodeTransport a = start(7, 1, pa, Map.of(), new Recorder(), null);
    start(7, 2, pb, Map.of(1, "127.0.0.1:" + pa), rb, null);
    onContext(() -> {
      a.send(commit(7, 1, 2, 1));
      return Future.succeededFuture();
    });
    assertEquals(null, rb.got.poll(500, TimeUnit.MILLISECONDS), "no address for node 2 yet: nothing sent");
    onContext(() -> {
      a.setPeers(Map.of(2, "127.0.0.1:" + pb));
      a.send(commit(7, 1, 2, 2));
      return Future.succeededFuture();
    });
    assertEquals(2, rb.got.poll(20, TimeUnit.SECONDS).getCommit().getChosenBelow());
    onContext(() -> {
      a.setPeers(Map.of());
      a.send(commit(7, 1, 2, 3));
      return Future.succeededFuture();
    });
    assertEquals(null, rb.got.poll(1, TimeUnit.SECONDS), "a removed peer gets nothing more");
    assertEquals(Map.of(), a.peers());
  }

  @Test
  void messagesProposalsAndCatchUpStreamsFlowOverPlainGrpc() throws Exception {
    exchange(null, null);
  }

  @Test
  void theSameOverMutualTls(@TempDir Path certs) throws Exception {
    ClusterCertificates ca = ClusterCertificates.openOrCreate(certs, "t", Duration.ofDays(1));
    exchange(ca.issue(1, List.of("127.0.0.1"), Duration.ofDays(1)), ca.issue(2, List.of("127.0.0.1"), Duration.ofDays(1)));
  }

  @Test
  void anotherClustersNodeIsRejected() throws Exception {
    int pa = FreePorts.next();
    int pb = FreePorts.next();
    Recorder rb = new Recorder();
    NodeTransport a = start(8, 1, pa, Map.of(2, "127.0.0.1:" + pb), new Recorder(), null);
    NodeTransport b = start(7, 2, pb, Map.of(1, "127.0.0.1:" + pa), rb, null);
    ctx.runOnContext(v -> a.send(commit(8, 1, 2, 5)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (onContext(() -> Future.succeededFuture(b.refused(NodeTransport.REFUSED_CLUSTER))) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(b.refused(NodeTransport.REFUSED_CLUSTER) > 0);
    assertEquals(0, rb.got.size());
    Exception e = Assertions.assertThrows(Exception.class, () -> onContext(() -> a.propose(2,
        ProposeRequest.newBuilder().setClusterId(8).setFrom(1).build())));
    assertTrue(String.valueOf(e.getCause()).contains("PERMISSION_DENIED"), String.valueOf(e.getCause()));
  }

  @Test
  void aLinkReconnectsAfterThePeerRestartsAndTheInjectorDrops() throws Exception {
    int pa = FreePorts.next();
    int pb = FreePorts.next();
    Recorder rb = new Recorder();
    NodeTransport a = start(7, 1, pa, Map.of(2, "127.0.0.1:" + pb), new Recorder(), null);
    NodeTransport b = start(7, 2, pb, Map.of(1, "127.0.0.1:" + pa), rb, null);
    ctx.runOnContext(v -> a.send(commit(7, 1, 2, 1)));
    assertEquals(1, rb.got.poll(20, TimeUnit.SECONDS).getCommit().getChosenBelow());
    onContext(b::close);
    started.remove(b);
    Recorder rb2 = new Recorder();
    start(7, 2, pb, Map.of(1, "127.0.0.1:" + pa), rb2, null);
    // The old stream broke; messages sent now reach the new server once the link is back.
    Envelope got = null;
    for (int i = 0; i < 200 && got == null; i++) {
      int k = i;
      ctx.runOnContext(v -> a.send(commit(7, 1, 2, 100 + k)));
      got = rb2.got.poll(100, TimeUnit.MILLISECONDS);
    }
    assertTrue(got != null, "link did not come back");
    faults.block(1, 2);
    rb2.got.clear();
    ctx.runOnContext(v -> a.send(commit(7, 1, 2, 999)));
    Envelope dropped = rb2.got.poll(300, TimeUnit.MILLISECONDS);
    assertTrue(dropped == null || dropped.getCommit().getChosenBelow() != 999);
    faults.heal();
    ctx.runOnContext(v -> a.send(commit(7, 1, 2, 1000)));
    Envelope e;
    do {
      e = rb2.got.poll(20, TimeUnit.SECONDS);
    } while (e != null && e.getCommit().getChosenBelow() != 1000);
    assertTrue(e != null);
  }
}
