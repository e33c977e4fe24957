package io.paxosql.bench;

import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.TlsEngine;
import io.paxosql.tls.VertxTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
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
 * The Paxos links' wire without Paxos: long-lived HTTP/2 streams (what a gRPC stream is) between two Vert.x
 * instances of one event loop each, over mutual TLS with the node's options ({@link VertxTls}, ALPN) or h2c.
 * Each of {@code streamCount} streams sends a {@value #BATCH_BYTES}-byte chunk (a batch of Accepts) and waits
 * for a {@value #REPLY_BYTES}-byte chunk back (the Accepteds); one operation is one such round trip, one TLS
 * record each way. Compare its {@code cpu µs/rt} with {@link HopTlsBenchmark}'s, which does the same over a
 * plain TLS socket: a large difference puts TLS's cost on the Paxos links in the HTTP/2 path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class Http2TlsBenchmark {
  /** Round trips per invocation, shared out over the streams. */
  static final int ROUNDS = 500;
  /** 1: every round trip is its own record each way; 4: streams of one connection share records. */
  @Param({"1", "4"})
  int streamCount;
  static final int BATCH_BYTES = 1200;
  static final int REPLY_BYTES = 40;

  /** off: h2c (prior knowledge, as the transport's plaintext mode); openssl / jdk: mutual TLS with ALPN. */
  @Param({"off", "openssl"})
  String tls;

  private Vertx master;
  private Vertx follower;
  private HttpServer server;
  /** Held in a field: Vert.x closes a client, and its connections, once it is no longer reachable. */
  private HttpClient client;
  private final List<HttpClientRequest> streams = new ArrayList<>();
  private final List<IntConsumer> onReply = new ArrayList<>();
  private Path certDir;
  private long cpuAtStart;
  private final AtomicInteger roundTrips = new AtomicInteger();

  @Setup(Level.Trial)
  public void connect() throws Exception {
    master = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    follower = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    HttpServerOptions so = new HttpServerOptions().setHost("127.0.0.1").setPort(0);
    HttpClientOptions co = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false);
    if (!tls.equals("off")) {
      certDir = Files.createTempDirectory("h2-tls-bench");
      ClusterCertificates ca = ClusterCertificates.openOrCreate(certDir, "bench", Duration.ofDays(1));
      TlsEngine.Preference engine = TlsEngine.Preference.parse(tls);
      VertxTls.preload();
      VertxTls.server(so, ca.ensure(2, List.of("127.0.0.1"), Duration.ofDays(1)).withEngine(engine)).setUseAlpn(true);
      VertxTls.client(co, ca.ensure(1, List.of("127.0.0.1"), Duration.ofDays(1)).withEngine(engine)).setUseAlpn(true);
    }
    Buffer reply = Buffer.buffer(new byte[REPLY_BYTES]);
    // Each whole batch received is answered with one reply chunk on the same stream.
    server = master.createHttpServer(so).requestHandler(req -> {
      req.response().setChunked(true);
      int[] pending = {0};
      req.handler(bytes -> {
        pending[0] += bytes.length();
        for (; pending[0] >= BATCH_BYTES; pending[0] -= BATCH_BYTES) {
          req.response().write(reply);
        }
      });
    });
    await(server.listen());
    client = follower.createHttpClient(co);
    for (int i = 0; i < streamCount; i++) {
      HttpClientRequest req = await(client.request(new RequestOptions().setMethod(HttpMethod.POST)
          .setHost("127.0.0.1").setPort(server.actualPort()).setURI("/stream")));
      req.setChunked(true);
      int index = i;
      onReply.add(n -> { });
      req.response().onSuccess(resp -> resp.handler(bytes -> onReply.get(index).accept(bytes.length())));
      streams.add(req);
      req.sendHead();
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

  @Benchmark
  @OperationsPerInvocation(ROUNDS)
  public void roundTrips() throws Exception {
    CountDownLatch done = new CountDownLatch(streamCount);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Buffer batch = Buffer.buffer(new byte[BATCH_BYTES]);
    List<IntConsumer> handlers = new ArrayList<>();
    for (int i = 0; i < streamCount; i++) {
      HttpClientRequest s = streams.get(i);
      int[] left = {ROUNDS / streamCount};
      int[] got = {0};
      s.exceptionHandler(failed::set);
      handlers.add(n -> {
        got[0] += n;
        for (; got[0] >= REPLY_BYTES; got[0] -= REPLY_BYTES) {
          roundTrips.incrementAndGet();
          if (--left[0] == 0) {
            done.countDown();
          } else {
            s.write(batch);
          }
        }
      });
    }
    // The handlers are swapped and the first batches written on the client's event loop, where replies land.
    follower.runOnContext(v -> {
      for (int i = 0; i < streamCount; i++) {
        onReply.set(i, handlers.get(i));
        streams.get(i).write(batch);
      }
    });
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("round trips stalled; last stream error: " + failed.get());
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
