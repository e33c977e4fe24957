package io.paxosql.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.FreePorts;
import io.paxosql.testing.OnContext;
import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.TlsFiles;
import io.paxosql.transport.proto.Ballot;
import io.paxosql.transport.proto.Commit;
import io.paxosql.transport.proto.Envelope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages a node sends one peer in one turn leave together, over real gRPC with real mutual TLS: a
 * relay in front of the receiver counts TLS records. Before batching, each message was its own flushed
 * HTTP/2 frame and so its own TLS record.
 */
@Timeout(120)
class PeerBatchingTest {
  static final long CLUSTER = 7;
  final Vertx vertx = Vertx.vertx();
  final Context ctx = vertx.getOrCreateContext();
  final List<NodeTransport> started = new ArrayList<>();
  @TempDir Path dir;

  @AfterEach
  void stop() throws Exception {
    for (NodeTransport t : started) {
      onContext(t::close);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private <T> T onContext(Supplier<Future<T>> action) throws Exception {
    return OnContext.await(ctx, action);
  }

  private static Envelope commit(long below) {
    return Envelope.newBuilder().setClusterId(CLUSTER).setFrom(1).setTo(2).setCommit(Commit.newBuilder()
        .setChosenBelow(below).setBallot(Ballot.newBuilder().setRound(Long.MAX_VALUE).setNode(1))).build();
  }

  @Test
  void oneTurnsMessagesToAPeerShareTlsRecordsAndKeepTheirOrder() throws Exception {
    ClusterCertificates ca = ClusterCertificates.openOrCreate(dir.resolve("ca"), "t", Duration.ofDays(1));
    TlsFiles tls1 = ca.ensure(1, List.of("127.0.0.1"), Duration.ofDays(1));
    TlsFiles tls2 = ca.ensure(2, List.of("127.0.0.1"), Duration.ofDays(1));
    int p1 = FreePorts.next();
    int p2 = FreePorts.next();
    TlsRecordRelay relay = TlsRecordRelay.start(vertx, p2);
    NodeTransportTest.Recorder got = new NodeTransportTest.Recorder();
    NodeTransport a = start(TransportConfig.plain(CLUSTER, 1, "127.0.0.1", p1, Map.of(2, "127.0.0.1:" + relay.port()))
        .withTls(tls1), new NodeTransportTest.Recorder());
    start(TransportConfig.plain(CLUSTER, 2, "127.0.0.1", p2, Map.of(1, "127.0.0.1:" + p1)).withTls(tls2), got);
    ctx.runOnContext(v -> a.send(commit(0)));
    assertNotNull(got.got.poll(60, TimeUnit.SECONDS), "the link is up");

    // 200 small messages in one turn: one batch, a record or two (before batching: 200 records).
    relay.reset();
    ctx.runOnContext(v -> {
      for (int i = 1; i <= 200; i++) {
        a.send(commit(i));
      }
    });
    for (int i = 1; i <= 200; i++) {
      Envelope e = got.got.poll(30, TimeUnit.SECONDS);
      assertNotNull(e, "message " + i + " arrived");
      assertEquals(i, e.getCommit().getChosenBelow(), "in order");
    }
    long records = relay.records();
    assertTrue(records <= 5, "200 messages of one turn took " + records + " TLS records");

    // 3000 messages (about 100 KB) in one turn: more than one batch of at most 64 KiB, in order.
    relay.reset();
    ctx.runOnContext(v -> {
      for (int i = 1; i <= 3000; i++) {
        a.send(commit(1000 + i));
      }
    });
    for (int i = 1; i <= 3000; i++) {
      Envelope e = got.got.poll(30, TimeUnit.SECONDS);
      assertNotNull(e, "message " + i + " arrived");
      assertEquals(1000 + i, e.getCommit().getChosenBelow(), "in order");
    }
    long more = relay.records();
    assertTrue(more <= 300, "3000 messages of one turn took " + more + " TLS records");
  }

  private NodeTransport start(TransportConfig cfg, NodeTransport.Handler h) throws Exception {
    NodeTransport t = onContext(() -> NodeTransport.start(vertx, cfg, new FaultInjector(), h));
    started.add(t);
    return t;
  }
}
