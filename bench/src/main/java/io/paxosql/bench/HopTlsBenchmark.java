package io.paxosql.bench;

import io.paxosql.tls.VertxTls;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

  private LinkEnds ends;
  private NetServer server;
  /** Held in a field: Vert.x closes a client, and its connections, once it is no longer reachable. */
  private NetClient client;
  private final List<NetSocket> sockets = new ArrayList<>();
  private Buffer query;

  @Setup(Level.Trial)
  public void connect() throws Exception {
    ends = new LinkEnds(tls);
    query = comQuery(insertStatement());
    NetServerOptions so = new NetServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true);
    NetClientOptions co = new NetClientOptions().setTcpNoDelay(true);
    if (ends.secured()) {
      VertxTls.server(so, ends.masterTls);
      VertxTls.client(co, ends.followerTls).setHostnameVerificationAlgorithm("HTTPS");
    }
    int queryBytes = query.length();
    // TCP may cut or join reads: answer once per whole query received, as MariaDB would.
    server = ends.master.createNetServer(so).connectHandler(s -> {
      int[] pending = {0};
      s.handler(bytes -> {
        pending[0] += bytes.length();
        for (; pending[0] >= queryBytes; pending[0] -= queryBytes) {
          s.write(OK);
        }
      });
    });
    LinkEnds.await(server.listen());
    client = ends.follower.createNetClient(co);
    for (int i = 0; i < SESSIONS; i++) {
      sockets.add(LinkEnds.await(client.connect(server.actualPort(), "127.0.0.1")));
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
        ends.roundTrips.incrementAndGet();
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
}
