package io.paxosql.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.sun.management.OperatingSystemMXBean;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.OnContext;
import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.TlsEngine;
import io.paxosql.tls.TlsFiles;
import io.paxosql.transport.proto.Accept;
import io.paxosql.transport.proto.Accepted;
import io.paxosql.transport.proto.Ballot;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Commit;
import io.paxosql.transport.proto.Entry;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.Value;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a chosen value costs the Paxos links, in process CPU, over real loopback gRPC with TLS on or off:
 * a leader (node 1) sends each value's Accept and a Commit in one turn, as {@code Proposer.fill} does; the
 * follower (node 2) answers Accepted; {@code depth} values are in flight at once. CPU time, not wall time,
 * so a busy machine inflates it less. A second pass puts a relay in front of each port that counts the TLS
 * records each way. A measurement, not a check: run it on purpose with
 * {@code mvn -o test -Dtest=TransportCpuBench -DexcludedGroups= -Dpaxosql.bench=true}
 * (-Dpaxosql.bench.values=N values per run, 3 runs per case after one warm-up run; median printed;
 * -Dpaxosql.bench.tlsEngine=auto|openssl|jdk picks the TLS engine, auto by default).
 */
@Tag("slow")
@EnabledIfSystemProperty(named = "paxosql.bench", matches = "true")
@Timeout(3600)
class TransportCpuBench {
  static final long CLUSTER = 7;
  static final int VALUES = Integer.getInteger("paxosql.bench.values", 20_000);
  static final int VALUE_BYTES = Integer.getInteger("paxosql.bench.valueBytes", 400);
  static final TlsEngine.Preference ENGINE = TlsEngine.Preference.parse(System.getProperty("paxosql.bench.tlsEngine", "auto"));
  static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  @Test
  void cpuPerValue(@TempDir Path dir) throws Exception {
    ClusterCertificates ca = ClusterCertificates.openOrCreate(dir.resolve("ca"), "bench", Duration.ofDays(1));
    TlsFiles tls1 = ca.ensure(1, List.of("127.0.0.1"), Duration.ofDays(1)).withEngine(ENGINE);
    TlsFiles tls2 = ca.ensure(2, List.of("127.0.0.1"), Duration.ofDays(1)).withEngine(ENGINE);
    List<String> lines = new ArrayList<>();
    // The JIT first: every case then starts warm, not only the later ones.
    for (boolean tls : new boolean[] {false, true}) {
      try (Pair p = new Pair(tls ? tls1 : null, tls ? tls2 : null, false)) {
        p.run(VALUES, 16);
        p.run(VALUES / 4, 1);
      }
    }
    for (int depth : new int[] {1, 16}) {
      for (boolean tls : new boolean[] {false, true}) {
        long[] cpu = new long[3];
        try (Pair p = new Pair(tls ? tls1 : null, tls ? tls2 : null, false)) {
          p.run(Math.max(VALUES / 2, 1000), depth);
          for (int r = 0; r < cpu.length; r++) {
            long before = OS.getProcessCpuTime();
            p.run(VALUES, depth);
            cpu[r] = (OS.getProcessCpuTime() - before) / VALUES;
          }
        }
        long[] sorted = cpu.clone();
        Arrays.sort(sorted);
        lines.add(String.format("depth %2d TLS %-3s: CPU %6d ns/value median (runs %s)", depth, tls ? "on" : "off",
            sorted[1], Arrays.toString(cpu)));
      }
      try (Pair p = new Pair(tls1, tls2, true)) {
        p.run(Math.max(VALUES / 2, 1000), depth);
        p.toFollower.reset();
        p.toLeader.reset();
        p.run(VALUES, depth);
        lines.add(String.format("depth %2d TLS on : TLS records per value: leader->follower %.2f,"
            + " follower->leader %.2f (%d values, relay in front of each port)", depth,
            p.toFollower.records() / (double) VALUES, p.toLeader.records() / (double) VALUES, VALUES));
      }
    }
    System.out.println("TransportCpuBench: TLS engine " + TlsEngine.choose(ENGINE).label() + "; " + VALUES + " values of " + VALUE_BYTES + " bytes per run, load average "
        + OS.getSystemLoadAverage() + ", " + OS.getAvailableProcessors() + " cpus");
    lines.forEach(l -> System.out.println("TransportCpuBench: " + l));
  }

  private static Envelope accept(long instance) {
    Value v = Value.newBuilder().setEpoch(Ballot.newBuilder().setRound(3).setNode(1))
        .addEntries(Entry.newBuilder().setProposalId(instance).setData(ByteString.copyFrom(new byte[VALUE_BYTES])))
        .build();
    return Envelope.newBuilder().setClusterId(CLUSTER).setFrom(1).setTo(2).setAccept(Accept.newBuilder()
        .setBallot(Ballot.newBuilder().setRound(3).setNode(1)).setInstance(instance).setValue(v)
        .setChosenBelow(instance)).build();
  }

  /** A leader and a follower, each on its own event loop, optionally with a record-counting relay each way. */
  private static final class Pair implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final Context leaderCtx = vertx.getOrCreateContext();
    final Context followerCtx = vertx.getOrCreateContext();
    final Side leader = new Side();
    final Side follower = new Side();
    final TlsRecordRelay toFollower;
    final TlsRecordRelay toLeader;
    NodeTransport leaderT;
    NodeTransport followerT;

    Pair(TlsFiles tls1, TlsFiles tls2, boolean relays) throws Exception {
      int p1 = FreePorts.next();
      int p2 = FreePorts.next();
      toFollower = relays ? TlsRecordRelay.start(vertx, p2) : null;
      toLeader = relays ? TlsRecordRelay.start(vertx, p1) : null;
      int to2 = relays ? toFollower.port() : p2;
      int to1 = relays ? toLeader.port() : p1;
      leaderT = start(leaderCtx, TransportConfig.plain(CLUSTER, 1, "127.0.0.1", p1, Map.of(2, "127.0.0.1:" + to2)),
          tls1, leader);
      followerT = start(followerCtx, TransportConfig.plain(CLUSTER, 2, "127.0.0.1", p2, Map.of(1, "127.0.0.1:" + to1)),
          tls2, follower);
      follower.onMessage = e -> {
        if (e.hasAccept()) {
          followerT.send(Envelope.newBuilder().setClusterId(CLUSTER).setFrom(2).setTo(1).setAccepted(Accepted
              .newBuilder().setBallot(e.getAccept().getBallot()).setInstance(e.getAccept().getInstance())).build());
        }
      };
    }

    private NodeTransport start(Context ctx, TransportConfig cfg, TlsFiles tls, Side side) throws Exception {
      TransportConfig c = tls == null ? cfg : cfg.withTls(tls);
      return await(ctx, () -> NodeTransport.start(vertx, c, new FaultInjector(), side));
    }

    /** {@code values} values through the leader, {@code depth} in flight; returns when all were accepted. */
    void run(int values, int depth) throws Exception {
      Flight f = new Flight();
      Promise<Void> done = Promise.promise();
      Runnable issue = () -> {
        long i = ++f.issued;
        leaderT.send(accept(i));
        leaderT.send(Envelope.newBuilder().setClusterId(CLUSTER).setFrom(1).setTo(2)
            .setCommit(Commit.newBuilder().setBallot(Ballot.newBuilder().setRound(3).setNode(1)).setChosenBelow(i))
            .build());
      };
      await(leaderCtx, () -> {
        leader.onMessage = e -> {
          if (e.hasAccepted() && ++f.accepted == values) {
            done.tryComplete();
          } else if (e.hasAccepted() && f.issued < values) {
            issue.run();
          }
        };
        for (int k = 0; k < depth && f.issued < values; k++) {
          issue.run();
        }
        return done.future();
      });
      assertEquals(values, f.accepted);
    }

    @Override
    public void close() throws Exception {
      await(leaderCtx, leaderT::close);
      await(followerCtx, followerT::close);
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static <T> T await(Context ctx, Supplier<Future<T>> action) throws Exception {
    return OnContext.await(ctx, action, Duration.ofMinutes(20));
  }

  /** Values the leader sent and those the follower accepted in one run; on the leader's context. */
  private static final class Flight {
    long issued;
    long accepted;
  }

  /** One node's handler: members 1 and 2, messages to {@link #onMessage}. */
  private static final class Side implements NodeTransport.Handler {
    volatile Consumer<Envelope> onMessage = e -> {};

    @Override
    public void onMessage(Envelope e) {
      onMessage.accept(e);
    }

    @Override
    public Future<ProposeReply> onPropose(ProposeRequest r) {
      return Future.failedFuture("not in this benchmark");
    }

    @Override
    public void onCatchUp(CatchUpRequest r, WriteStream<ValuesBatch> out) {
      out.end();
    }

    @Override
    public boolean isMember(int node) {
      return node == 1 || node == 2;
    }
  }
}
