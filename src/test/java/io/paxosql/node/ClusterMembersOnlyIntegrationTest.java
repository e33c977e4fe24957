package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.paxosql.node.role.NodeRole;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.OnContext;
import io.paxosql.testing.Retry;
import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.TlsFiles;
import io.paxosql.tls.VertxTls;
import io.paxosql.transport.FaultInjector;
import io.paxosql.transport.NodeTransport;
import io.paxosql.transport.TransportConfig;
import io.paxosql.transport.proto.Accepted;
import io.paxosql.transport.proto.Ballot;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.ChosenValue;
import io.paxosql.transport.proto.Entry;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.Value;
import io.paxosql.transport.proto.Values;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.streams.WriteStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real three-node cluster with mutual TLS (the harness default): forged Paxos traffic from a non-member,
 * or from a member certificate claiming another node, changes nothing and is counted; the internal proxy
 * hop refuses callers without a member certificate before reading any PROXY header; writes through a
 * follower's RW port (the secured hop) and linearizable reads (the member-only ReadIndex) keep working.
 */
@Timeout(600)
class ClusterMembersOnlyIntegrationTest {
  private final ClusterHarness h;
  private final Vertx attackerVertx = Vertx.vertx();

  ClusterMembersOnlyIntegrationTest() throws Exception {
    h = new ClusterHarness(3);
  }

  @AfterEach
  void tearDown() throws Exception {
    attackerVertx.close().await(20, TimeUnit.SECONDS);
    h.close();
  }

  @Test
  void forgedTrafficChangesNothingAndIsCountedAndTheInternalHopWantsAMember() throws Exception {
    int master = h.bootstrap("CREATE DATABASE sec", "CREATE TABLE sec.t (id INT PRIMARY KEY)");
    int follower = master == 1 ? 2 : 1;
    int other = 6 - master - follower;
    h.execRw(follower, "INSERT INTO sec.t VALUES (1)", Duration.ofSeconds(30)); // through the secured hop
    awaitSameChosen();

    ClusterCertificates ca = ClusterCertificates.openOrCreate(h.dir.resolve("tls"), "test", Duration.ofDays(1));
    TlsFiles outsider = ca.ensure(9, List.of("127.0.0.1"), Duration.ofDays(1)); // our CA, not a member
    TlsFiles memberCert = TlsFiles.inDir(h.dir.resolve("tls"), other); // a member's own certificate
    long chosenBefore = h.node(follower).replicatedLog().chosenBelow();

    // Node 9 forges a chosen value to the follower, an Accepted to the master and a proposal.
    NodeTransport nine = attacker(9, outsider, follower, master);
    Ballot ballot = Ballot.newBuilder().setRound(1 << 20).setNode(master).build();
    Value forged = Value.newBuilder().setEpoch(ballot).addEntries(Entry.newBuilder().setProposalId(42)
        .setData(ByteString.copyFromUtf8("forged"))).build();
    onAttacker(() -> {
      nine.send(Envelope.newBuilder().setClusterId(clusterId()).setFrom(9).setTo(follower)
          .setValues(Values.newBuilder().setChosenBelow(chosenBefore + 1).addValues(ChosenValue.newBuilder()
              .setInstance(chosenBefore).setValue(forged))).build());
      nine.send(Envelope.newBuilder().setClusterId(clusterId()).setFrom(9).setTo(master)
          .setAccepted(Accepted.newBuilder().setBallot(ballot).setInstance(chosenBefore)).build());
      return Future.succeededFuture();
    });
    Throwable proposed = onAttacker(() -> nine.propose(master, ProposeRequest.newBuilder().setClusterId(clusterId())
        .setFrom(9).setData(ByteString.copyFromUtf8("forged")).build()).transform(ar -> Future.succeededFuture(ar.cause())));
    assertTrue(String.valueOf(proposed).contains("PERMISSION_DENIED"), "proposal refused: " + proposed);

    // Another member's certificate claiming to be the master: the follower drops it.
    NodeTransport impostor = attacker(other, memberCert, follower, master);
    onAttacker(() -> {
      impostor.send(Envelope.newBuilder().setClusterId(clusterId()).setFrom(master).setTo(follower)
          .setValues(Values.newBuilder().setChosenBelow(chosenBefore + 1).addValues(ChosenValue.newBuilder()
              .setInstance(chosenBefore).setValue(forged))).build());
      return Future.succeededFuture();
    });

    Retry.waitFor("the follower counted the non-member and the impostor", Duration.ofSeconds(60),
        () -> refused(follower, "not-member") >= 1 && refused(follower, "impostor") >= 1);
    Retry.waitFor("the master counted the non-member's Accepted and proposal", Duration.ofSeconds(60),
        () -> refused(master, "not-member") >= 2);

    // The internal hop: plain TCP with a PROXY header gets no MySQL greeting; node 9's certificate gets ERR 1130.
    int hop = h.configs.get(master - 1).ports().internal();
    try (Socket s = new Socket("127.0.0.1", hop)) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write("PROXY TCP4 127.0.0.1 127.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] head = new byte[5];
      int n = readSome(s.getInputStream(), head);
      assertFalse(n >= 5 && head[4] == 10, "a plain connection must not get a MySQL greeting (protocol 10)");
    }
    // Up to 3 connections: in one CI run (load unknown) the client saw the close without the ERR although the
    // master logged the refusal; cause not found (a read before the test's handler was set is the suspect).
    // Every attempt must be refused; the ERR's text has to arrive at least once.
    String refusal = "";
    for (int attempt = 1; attempt <= 3 && !refusal.contains("not a cluster member"); attempt++) {
      refusal = firstBytesOverTls(hop, outsider);
      assertFalse(refusal.length() >= 5 && refusal.charAt(4) == 10, "node 9 got a MySQL greeting on the hop");
    }
    assertTrue(refusal.contains("not a cluster member"), "node 9 refused on the internal hop (3 tries): " + refusal);
    Retry.waitFor("the hop counted both", Duration.ofSeconds(30),
        () -> proxyRefused(master, "tls_handshake") >= 1 && proxyRefused(master, "not_member") >= 1);

    // Nothing changed: no forged value anywhere, the cluster still writes and every node agrees.
    h.execRw(other, "INSERT INTO sec.t VALUES (2)", Duration.ofSeconds(30));
    awaitSameChosen();
    for (int id = 1; id <= 3; id++) {
      assertTrue(h.node(id).role() != NodeRole.DIVERGED, "node " + id + " " + h.node(id).role());
      int node = id;
      Retry.waitFor("node " + id + " has both rows", Duration.ofSeconds(60), () -> rows(node) == 2);
    }
    assertEquals(master, h.awaitMaster(Duration.ofSeconds(5)), "the master kept its lease");
  }

  // ---- helpers ------------------------------------------------------------------------------------------

  private NodeTransport attacker(int as, TlsFiles tls, int follower, int master) throws Exception {
    Map<Integer, String> peers = Map.of(follower, "127.0.0.1:" + h.configs.get(follower - 1).ports().paxos(),
        master, "127.0.0.1:" + h.configs.get(master - 1).ports().paxos());
    TransportConfig cfg = TransportConfig.plain(clusterId(), as, "127.0.0.1", FreePorts.next(), peers).withTls(tls);
    return onAttacker(() -> NodeTransport.start(attackerVertx, cfg, new FaultInjector(), new Deaf()));
  }

  /** The attacker listens too (a transport must), and hears nothing it acts on. */
  private static final class Deaf implements NodeTransport.Handler {
    @Override
    public void onMessage(Envelope e) {}

    @Override
    public Future<ProposeReply> onPropose(ProposeRequest r) {
      return Future.failedFuture("deaf");
    }

    @Override
    public void onCatchUp(CatchUpRequest r,
        WriteStream<ValuesBatch> out) {
      out.end();
    }

    @Override
    public boolean isMember(int node) {
      return false;
    }
  }

  private <T> T onAttacker(Supplier<Future<T>> action) throws Exception {
    return OnContext.await(attackerContext, action);
  }

  private final Context attackerContext = attackerVertx.getOrCreateContext();

  private long clusterId() {
    return NodeWiring.clusterId(h.configs.get(0));
  }

  private double refused(int node, String reason) {
    FunctionCounter c = h.node(node).registry().find("paxosql.transport.refused").tag("reason", reason)
        .functionCounter();
    return c == null ? 0 : c.count();
  }

  private double proxyRefused(int node, String reason) {
    Counter c = h.node(node).registry().find("paxosql.proxy.connections.refused").tag("port", "internal")
        .tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  private void awaitSameChosen() {
    Retry.waitFor("every node holds the same chosen values", Duration.ofSeconds(60), () -> {
      long a = h.node(1).replicatedLog().chosenBelow();
      return a == h.node(2).replicatedLog().chosenBelow() && a == h.node(3).replicatedLog().chosenBelow();
    });
  }

  private int rows(int id) {
    try (Connection c = h.direct(id); ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*) FROM sec.t")) {
      r.next();
      return r.getInt(1);
    } catch (Exception e) {
      return -1;
    }
  }

  /** Connects over TLS with {@code tls} and returns what the server sends first, as text. */
  private String firstBytesOverTls(int port, TlsFiles tls) throws Exception {
    NetClientOptions o = VertxTls.client(new NetClientOptions(), tls).setHostnameVerificationAlgorithm("HTTPS");
    return onAttacker(() -> attackerVertx.createNetClient(o).connect(port, "127.0.0.1").compose(s -> {
      Promise<String> p = Promise.promise();
      Buffer got = Buffer.buffer();
      s.handler(got::appendBuffer);
      s.closeHandler(v -> p.tryComplete(got.toString(StandardCharsets.ISO_8859_1)));
      attackerVertx.setTimer(10_000, t -> p.tryComplete(got.toString(StandardCharsets.ISO_8859_1)));
      return p.future();
    }));
  }

  private static int readSome(InputStream in, byte[] buf) {
    int n = 0;
    try {
      while (n < buf.length) {
        int r = in.read(buf, n, buf.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    } catch (Exception e) {
      // closed or timed out: whatever arrived is the answer
    }
    return n;
  }
}
