package io.paxosql.bench;

import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.TlsEngine;
import io.paxosql.tls.TlsFiles;
import io.paxosql.tls.VertxTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The member-only hop's wire alone: {@value #SESSIONS} sessions, each with its own connection as the
 * proxy opens them, each sending an {@code oltp_insert}-sized COM_QUERY and waiting for an OK packet, over
 * loopback, with the node's own TLS options ({@link VertxTls}) or plaintext. One operation is one round
 * trip, i.e. what the hop does per statement: a record sealed and opened at each end in each direction.
 *
 * <p>Each end has one event loop, as if in its own node process, on the native transport (epoll) as a node's.
 * The score is wall time per round trip with both ends sharing this machine's cores. The CPU the whole JVM
 * spent per round trip is printed after each iteration ({@code cpu µs/rt}): on a saturated 2-core machine
 * that is what TLS takes from MariaDB and the nodes, so compare it across {@code tls}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 8, time = 3)
@Fork(1)
public class HopTlsBenchmark {
  static final int SESSIONS = 32;
  static final int ROUNDS = 100;
  /** A MySQL OK packet: what MariaDB answers an autocommit INSERT with. */
  static final Buffer OK = Buffer.buffer(new byte[] {7, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0});

  /** off: plaintext; openssl / jdk: mutual TLS with that engine at both ends. */
  @Param({"off", "openssl", "jdk"})
  String tls;

  /** The master's end and the follower's end, each with its own event loop as in two node processes. */
  private Vertx master;
  private Vertx follower;
  private NetServer server;
  /** Held in a field: Vert.x closes a client, and its connections, once it is no longer reachable. */
  private NetClient client;
  private final List<NetSocket> sockets = new ArrayList<>();
  private Buffer query;
  private Path certDir;
  private long cpuAtStart;
  private final AtomicInteger roundTrips = new AtomicInteger();

  @Setup(Level.Trial)
  public void connect() throws Exception {
    master = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    follower = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    query = comQuery(insertStatement());
    NetServerOptions so = new NetServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true);
    NetClientOptions co = new NetClientOptions().setTcpNoDelay(true);
    if (!tls.equals("off")) {
      certDir = Files.createTempDirectory("hop-tls-bench");
      ClusterCertificates ca = ClusterCertificates.openOrCreate(certDir, "bench", Duration.ofDays(1));
      TlsEngine.Preference engine = TlsEngine.Preference.parse(tls);
      VertxTls.preload();
      VertxTls.server(so, ca.ensure(2, List.of("127.0.0.1"), Duration.ofDays(1)).withEngine(engine));
      VertxTls.client(co, ca.ensure(1, List.of("127.0.0.1"), Duration.ofDays(1)).withEngine(engine))
          .setHostnameVerificationAlgorithm("HTTPS");
    }
    int queryBytes = query.length();
    // TCP may cut or join reads: answer once per whole query received, as MariaDB would.
    server = master.createNetServer(so).connectHandler(s -> {
      int[] pending = {0};
      s.handler(bytes -> {
        pending[0] += bytes.length();
        for (; pending[0] >= queryBytes; pending[0] -= queryBytes) {
          s.write(OK);
        }
      });
    });
    await(server.listen());
    client = follower.createNetClient(co);
    for (int i = 0; i < SESSIONS; i++) {
      sockets.add(await(client.connect(server.actualPort(), "127.0.0.1")));
    }
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    await(follower.close());
    await(master.close());
    if (certDir != null) {
      try (var files = Files.walk(certDir)) {
        files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Setup(Level.Iteration)
  public void startCpu() {
    cpuAtStart = processCpuNanos();
    roundTrips.set(0);
  }

  @TearDown(Level.Iteration)
  public void printCpu() {
    long cpu = processCpuNanos() - cpuAtStart;
    System.out.printf("tls=%s cpu µs/rt %.1f over %d round trips (%s transport)%n", tls,
        cpu / 1000.0 / roundTrips.get(), roundTrips.get(), master.isNativeTransportEnabled() ? "epoll" : "NIO");
  }

  /** Every session sends {@value #ROUNDS} queries one after another, each after the previous answer. */
  @Benchmark
  @OperationsPerInvocation(SESSIONS * ROUNDS)
  public void roundTrips() throws Exception {
    CountDownLatch done = new CountDownLatch(SESSIONS);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    for (NetSocket s : sockets) {
      int[] left = {ROUNDS};
      int[] answerBytes = {0};
      s.exceptionHandler(failed::set);
      s.handler(bytes -> {
        answerBytes[0] += bytes.length();
        if (answerBytes[0] < OK.length()) {
          return; // the rest of the answer comes in the next read
        }
        answerBytes[0] -= OK.length();
        roundTrips.incrementAndGet();
        if (--left[0] == 0) {
          done.countDown();
        } else {
          s.write(query);
        }
      });
      s.write(query);
    }
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("round trips stalled; last socket error: " + failed.get());
    }
  }

  /** sysbench oltp_insert's statement: an id, a k, a 120-char c and a 60-char pad. */
  static String insertStatement() {
    String c = "83868641912-28773972837-60736120486-75162659906-27563526494-20381887404-41576422241-93426793964-56405065102-33518432330";
    String pad = "67847967377-48000963322-62604785301-91415491898-96926520291";
    return "INSERT INTO sbtest3 (id, k, c, pad) VALUES (0, 50127, '" + c + "', '" + pad + "')";
  }

  /** The statement as a client sends it: a packet header, COM_QUERY, the text. */
  static Buffer comQuery(String sql) {
    byte[] text = sql.getBytes(StandardCharsets.UTF_8);
    int len = text.length + 1;
    return Buffer.buffer().appendByte((byte) len).appendByte((byte) (len >> 8)).appendByte((byte) (len >> 16))
        .appendByte((byte) 0).appendByte((byte) 3).appendBytes(text);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
