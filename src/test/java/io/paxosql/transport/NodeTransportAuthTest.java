package io.paxosql.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.OnContext;
import io.paxosql.testing.Retry;
import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.TlsFiles;
import io.paxosql.transport.proto.Accepted;
import io.paxosql.transport.proto.BackupChunk;
import io.paxosql.transport.proto.BackupRequest;
import io.paxosql.transport.proto.Ballot;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.ChosenValue;
import io.paxosql.transport.proto.Commit;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.EnvelopeBatch;
import io.paxosql.transport.proto.PaxosTransportGrpcClient;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.SeedCaughtUpRequest;
import io.paxosql.transport.proto.Value;
import io.paxosql.transport.proto.Values;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may talk to a member, over real gRPC with real TLS: node 2 of members {1, 2, 3} listens with its
 * cluster certificate; callers without a certificate, with one of another CA, with a member's certificate
 * claiming another node, or with a non-member's certificate of the same CA are refused, reach nothing, and
 * are counted by reason.
 */
@Timeout(180)
class NodeTransportAuthTest {
  static final long CLUSTER = 7;
  static final Duration DAY = Duration.ofDays(1);
  final Vertx vertx = Vertx.vertx();
  final Context ctx = vertx.getOrCreateContext();
  final FaultInjector faults = new FaultInjector();
  final List<NodeTransport> started = new ArrayList<>();
  @TempDir Path dir;
  ClusterCertificates cluster;
  NodeTransportTest.Recorder got;
  NodeTransport server;
  int port;

  @BeforeEach
  void startNode2() throws Exception {
    cluster = ClusterCertificates.openOrCreate(dir.resolve("cluster"), "t", DAY);
    port = FreePorts.next();
    got = new NodeTransportTest.Recorder(Set.of(1, 2, 3));
    server = start(2, port, Map.of(1, "127.0.0.1:" + FreePorts.next()), got, cert(cluster, 2));
  }

  @AfterEach
  void stop() throws Exception {
    for (NodeTransport t : started) {
      onContext(t::close);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aMemberIsKnownByItsCertificate() throws Exception {
    NodeTransport node1 = caller(1, cert(cluster, 1));
    ctx.runOnContext(v -> node1.send(commit(1)));
    Envelope e = got.got.poll(60, TimeUnit.SECONDS);
    assertTrue(e != null && e.getFrom() == 1, "node 1's commit arrived");
    assertEquals(0, refusedTotal(), server.refusals().toString());
  }

  @Test
  void noClientCertificateIsRefusedAtTheHandshake() throws Exception {
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setSsl(true)
        .setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertPath(ClusterCertificates.caFile(dir.resolve("cluster")).toString()));
    GrpcClient raw = GrpcClient.client(vertx, new GrpcClientOptions(), http);
    PaxosTransportGrpcClient c = PaxosTransportGrpcClient.create(raw, SocketAddress.inetSocketAddress(port, "127.0.0.1"));
    assertThrows(ExecutionException.class, () -> onContext(() -> c.propose(propose(1))));
    Retry.waitFor("the handshake refusal counted", Duration.ofSeconds(30),
        () -> server.refused(NodeTransport.REFUSED_TLS) > 0);
    assertTrue(got.got.isEmpty());
  }

  @Test
  void aCertificateOfAnotherCaIsRefusedAtTheHandshake() throws Exception {
    ClusterCertificates other = ClusterCertificates.openOrCreate(dir.resolve("other"), "other", DAY);
    NodeTransport fake1 = caller(1, cert(other, 1));
    ctx.runOnContext(v -> fake1.send(commit(1)));
    Exception e = assertThrows(ExecutionException.class, () -> onContext(() -> fake1.propose(2, propose(1))));
    Retry.waitFor("the handshake refusal counted", Duration.ofSeconds(30),
        () -> server.refused(NodeTransport.REFUSED_TLS) > 0);
    assertTrue(got.got.isEmpty(), "nothing reached node 2: " + e);
  }

  @Test
  void aMemberCertificateClaimingAnotherNodeIsRefused() throws Exception {
    NodeTransport node3 = caller(3, cert(cluster, 3));
    ctx.runOnContext(v -> node3.send(commit(1))); // node 3's certificate, "from: 1" in the envelope
    Exception e = assertThrows(ExecutionException.class, () -> onContext(() -> node3.propose(2, propose(1))));
    assertTrue(String.valueOf(e.getCause()).contains("PERMISSION_DENIED"), String.valueOf(e.getCause()));
    Retry.waitFor("both impostor refusals counted", Duration.ofSeconds(30),
        () -> server.refused("impostor") >= 2);
    assertTrue(got.got.isEmpty());
  }

  /** A batch is no way around the gate: each envelope in it is checked as if it had come alone. */
  @Test
  void anEnvelopeClaimingAnotherNodeInsideABatchIsRefused() throws Exception {
    NodeTransport node3 = caller(3, cert(cluster, 3));
    Envelope own = Envelope.newBuilder().setClusterId(CLUSTER).setFrom(3).setTo(2)
        .setCommit(Commit.newBuilder().setChosenBelow(7)).build();
    // Node 3's certificate; the batch's header says node 3, its second envelope claims node 1.
    Envelope batch = Envelope.newBuilder().setClusterId(CLUSTER).setFrom(3).setTo(2)
        .setBatch(EnvelopeBatch.newBuilder().addEnvelopes(own).addEnvelopes(commit(1)).addEnvelopes(own)).build();
    ctx.runOnContext(v -> node3.send(batch));
    Envelope first = got.got.poll(60, TimeUnit.SECONDS);
    assertTrue(first != null && first.getFrom() == 3 && first.hasCommit(), "node 3's own envelope arrived: " + first);
    Retry.waitFor("the impostor envelope refused", Duration.ofSeconds(30), () -> server.refused("impostor") >= 1);
    assertEquals(null, got.got.poll(1, TimeUnit.SECONDS), "nothing after the refused envelope reached node 2");
  }

  @Test
  void forgedAcceptedValuesProposeAndCatchUpFromANonMemberReachNothing() throws Exception {
    NodeTransport node9 = caller(9, cert(cluster, 9)); // the cluster's CA, but not a member
    Ballot b = Ballot.newBuilder().setRound(1).setNode(1).build();
    Envelope accepted = Envelope.newBuilder().setClusterId(CLUSTER).setFrom(9).setTo(2)
        .setAccepted(Accepted.newBuilder().setBallot(b).setInstance(5)).build();
    Envelope values = Envelope.newBuilder().setClusterId(CLUSTER).setFrom(9).setTo(2)
        .setValues(Values.newBuilder().setChosenBelow(6).addValues(ChosenValue.newBuilder().setInstance(5)
            .setValue(Value.newBuilder().setEpoch(b)))).build();
    ctx.runOnContext(v -> {
      node9.send(accepted);
      node9.send(values);
    });
    Exception p = assertThrows(ExecutionException.class, () -> onContext(() -> node9.propose(2, propose(9))));
    assertTrue(String.valueOf(p.getCause()).contains("PERMISSION_DENIED"), String.valueOf(p.getCause()));
    CatchUpRequest cu = CatchUpRequest.newBuilder().setClusterId(CLUSTER).setFrom(9).setFromInstance(0).build();
    long batches = onContext(() -> node9.catchUp(2, cu).compose(stream -> {
      Promise<Long> done = Promise.promise();
      long[] n = {0};
      stream.handler(x -> n[0]++);
      stream.endHandler(x -> done.tryComplete(n[0]));
      stream.exceptionHandler(err -> done.tryComplete(n[0]));
      return done.future();
    }).recover(err -> Future.succeededFuture(0L)));
    assertEquals(0, batches, "no catch-up batch for a non-member");
    Retry.waitFor("stream, proposal and catch-up refusals counted", Duration.ofSeconds(30),
        () -> server.refused("not-member") >= 3);
    assertTrue(got.got.isEmpty(), "nothing reached node 2's handler: " + got.got);
  }

  @Test
  void aSeedCaughtUpNoticeCountsForTheNodeItsCertificateNamesOnly() throws Exception {
    List<Integer> notices = new CopyOnWriteArrayList<>();
    server.serveBackups(new NodeTransport.BackupSource() {
      @Override
      public void onBackup(BackupRequest r, WriteStream<BackupChunk> out) {
        out.end();
      }

      @Override
      public int onCaughtUp(int from, long appliedBelow) {
        notices.add(from);
        return 1;
      }
    });
    // A joiner not yet a member (the cluster's CA, node 4) may tell the donor it caught up, as itself.
    NodeTransport node4 = caller(4, cert(cluster, 4));
    assertEquals(1, onContext(() -> node4.seedCaughtUp(2, caughtUp(4))));
    assertEquals(List.of(4), notices);
    // Node 3's certificate claiming to be node 4 releases nothing.
    NodeTransport node3 = caller(3, cert(cluster, 3));
    Exception e = assertThrows(ExecutionException.class, () -> onContext(() -> node3.seedCaughtUp(2, caughtUp(4))));
    assertTrue(String.valueOf(e.getCause()).contains("PERMISSION_DENIED"), String.valueOf(e.getCause()));
    assertEquals(List.of(4), notices);
    Retry.waitFor("the impostor refusal counted", Duration.ofSeconds(30), () -> server.refused("impostor") >= 1);
  }

  private static SeedCaughtUpRequest caughtUp(int from) {
    return SeedCaughtUpRequest.newBuilder().setClusterId(CLUSTER).setFrom(from).setAppliedBelow(100).build();
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private TlsFiles cert(ClusterCertificates ca, int node) throws Exception {
    return ca.ensure(node, List.of("127.0.0.1"), DAY);
  }

  /** A transport acting as {@code node}, whose only peer is node 2. */
  private NodeTransport caller(int node, TlsFiles tls) throws Exception {
    return start(node, FreePorts.next(), Map.of(2, "127.0.0.1:" + port), new NodeTransportTest.Recorder(), tls);
  }

  private NodeTransport start(int node, int p, Map<Integer, String> peers, NodeTransport.Handler h, TlsFiles tls)
      throws Exception {
    TransportConfig cfg = TransportConfig.plain(CLUSTER, node, "127.0.0.1", p, peers).withTls(tls);
    NodeTransport t = onContext(() -> NodeTransport.start(vertx, cfg, faults, h));
    started.add(t);
    return t;
  }

  private static Envelope commit(int from) {
    return Envelope.newBuilder().setClusterId(CLUSTER).setFrom(from).setTo(2)
        .setCommit(Commit.newBuilder().setChosenBelow(1)).build();
  }

  private static ProposeRequest propose(int from) {
    return ProposeRequest.newBuilder().setClusterId(CLUSTER).setFrom(from).setData(ByteString.copyFromUtf8("x")).build();
  }

  private long refusedTotal() {
    return server.refusals().values().stream().mapToLong(Long::longValue).sum();
  }

  private <T> T onContext(Supplier<Future<T>> action) throws Exception {
    return OnContext.await(ctx, action);
  }
}
