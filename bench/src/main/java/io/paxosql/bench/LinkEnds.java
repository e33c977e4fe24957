package io.paxosql.bench;

import io.paxosql.tls.ClusterCertificates;
import io.paxosql.tls.TlsEngine;
import io.paxosql.tls.TlsFiles;
import io.paxosql.tls.VertxTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two ends of a member-to-member link inside one benchmark JVM, for the wire benchmarks
 * ({@link HopTlsBenchmark}, {@link Http2TlsBenchmark}): the master's and the follower's Vert.x, one event loop
 * each on the native transport as in two node processes; with TLS, certificates of a throwaway cluster CA (the
 * master's end node 2, the follower's node 1); and the JVM's CPU per round trip over an iteration.
 */
final class LinkEnds {
  private static final Duration DAY = Duration.ofDays(1);

  final Vertx master;
  final Vertx follower;
  /** The master's and the follower's certificates, or null for plaintext ({@code tls: off}). */
  final TlsFiles masterTls;
  final TlsFiles followerTls;
  final AtomicInteger roundTrips = new AtomicInteger();
  private final String tls;
  private final Path certDir;
  private long cpuAtStart;

  /** {@code tls}: off, or the engine both ends use (openssl, jdk). */
  LinkEnds(String tls) throws IOException {
    this.tls = tls;
    if (tls.equals("off")) {
      certDir = null;
      masterTls = null;
      followerTls = null;
    } else {
      certDir = Files.createTempDirectory("paxosql-link-bench");
      ClusterCertificates ca = ClusterCertificates.openOrCreate(certDir, "bench", DAY);
      TlsEngine.Preference engine = TlsEngine.Preference.parse(tls);
      VertxTls.preload();
      masterTls = ca.ensure(2, List.of("127.0.0.1"), DAY).withEngine(engine);
      followerTls = ca.ensure(1, List.of("127.0.0.1"), DAY).withEngine(engine);
    }
    master = oneLoop();
    follower = oneLoop();
  }

  boolean secured() {
    return masterTls != null;
  }

  void startIteration() {
    cpuAtStart = processCpuNanos();
    roundTrips.set(0);
  }

  /** Prints the CPU the whole JVM spent per round trip since {@link #startIteration}. */
  void printIteration() {
    long cpu = processCpuNanos() - cpuAtStart;
    System.out.printf("tls=%s cpu µs/rt %.1f over %d round trips (%s transport)%n", tls,
        cpu / 1000.0 / roundTrips.get(), roundTrips.get(), master.isNativeTransportEnabled() ? "epoll" : "NIO");
  }

  void close() throws Exception {
    await(follower.close());
    await(master.close());
    if (certDir != null) {
      try (var files = Files.walk(certDir)) {
        files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static Vertx oneLoop() {
    return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
