package io.paxosql.bench;

import io.paxosql.tls.VertxTls;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

  private LinkEnds ends;
  private HttpServer server;
  /** Held in a field: Vert.x closes a client, and its connections, once it is no longer reachable. */
  private HttpClient client;
  private final List<HttpClientRequest> streams = new ArrayList<>();
  private final List<IntConsumer> onReply = new ArrayList<>();

  @Setup(Level.Trial)
  public void connect() throws Exception {
    ends = new LinkEnds(tls);
    HttpServerOptions so = new HttpServerOptions().setHost("127.0.0.1").setPort(0);
    HttpClientOptions co = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false);
    if (ends.secured()) {
      VertxTls.server(so, ends.masterTls).setUseAlpn(true);
      VertxTls.client(co, ends.followerTls).setUseAlpn(true);
    }
    Buffer reply = Buffer.buffer(new byte[REPLY_BYTES]);
    // Each whole batch received is answered with one reply chunk on the same stream.
    server = ends.master.createHttpServer(so).requestHandler(req -> {
      req.response().setChunked(true);
      int[] pending = {0};
      req.handler(bytes -> {
        pending[0] += bytes.length();
        for (; pending[0] >= BATCH_BYTES; pending[0] -= BATCH_BYTES) {
          req.response().write(reply);
        }
      });
    });
    LinkEnds.await(server.listen());
    client = ends.follower.createHttpClient(co);
    for (int i = 0; i < streamCount; i++) {
      HttpClientRequest req = LinkEnds.await(client.request(new RequestOptions().setMethod(HttpMethod.POST)
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
    ends.close();
  }

  @Setup(Level.Iteration)
  public void startCpu() {
    ends.startIteration();
  }

  @TearDown(Level.Iteration)
  public void printCpu() {
    ends.printIteration();
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
          ends.roundTrips.incrementAndGet();
          if (--left[0] == 0) {
            done.countDown();
          } else {
            s.write(batch);
          }
        }
      });
    }
    // The handlers are swapped and the first batches written on the client's event loop, where replies land.
    ends.follower.runOnContext(v -> {
      for (int i = 0; i < streamCount; i++) {
        onReply.set(i, handlers.get(i));
        streams.get(i).write(batch);
      }
    });
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("round trips stalled; last stream error: " + failed.get());
    }
  }
}
