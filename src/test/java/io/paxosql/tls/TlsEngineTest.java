package io.paxosql.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.OpenSsl;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The member links' TLS engine: OpenSSL (netty-tcnative's BoringSSL) where it loads, the JDK's engine as the
 * fallback, and the same guarantees with either: a client certificate of the cluster CA is required, and the
 * server reads the node id from it. Real TLS over loopback, with {@link VertxTls}'s options as the node uses them.
 */
@Timeout(120)
class TlsEngineTest {
  static final Duration DAY = Duration.ofDays(1);
  final Vertx vertx = Vertx.vertx();
  final Context ctx = vertx.getOrCreateContext();
  @TempDir Path dir;
  ClusterCertificates cluster;

  @BeforeEach
  void certificates() throws Exception {
    cluster = ClusterCertificates.openOrCreate(dir.resolve("cluster"), "t", DAY);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** The build ships BoringSSL for linux-x86_64: there, auto must pick it (else the dependency broke). */
  @Test
  void autoChoosesOpenSslOnLinuxX8664AndJdkWhenAsked() {
    assertEquals(TlsEngine.JDK, TlsEngine.choose(TlsEngine.Preference.JDK));
    assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
        && System.getProperty("os.arch").matches("amd64|x86_64"), "netty-tcnative is bundled for linux-x86_64 only");
    assertTrue(OpenSsl.isAvailable(), "netty-tcnative did not load: " + OpenSsl.unavailabilityCause());
    assertTrue(OpenSsl.versionString().contains("BoringSSL"), OpenSsl.versionString());
    assertEquals(TlsEngine.OPENSSL, TlsEngine.choose(TlsEngine.Preference.AUTO));
    assertEquals(TlsEngine.OPENSSL, TlsEngine.choose(TlsEngine.Preference.OPENSSL));
  }

  @Test
  void everyPairOfEnginesShakesHandsAndTheServerKnowsTheClientsNode() throws Exception {
    assumeTrue(TlsEngine.openSslUsable(), "OpenSSL not usable here: " + TlsEngine.openSslProblem());
    for (TlsEngine.Preference server : List.of(TlsEngine.Preference.OPENSSL, TlsEngine.Preference.JDK)) {
      for (TlsEngine.Preference client : List.of(TlsEngine.Preference.OPENSSL, TlsEngine.Preference.JDK)) {
        Echo echo = listen(cluster.ensure(2, List.of("127.0.0.1"), DAY).withEngine(server));
        NetClient c = vertx.createNetClient(VertxTls.client(new NetClientOptions(),
            cluster.ensure(1, List.of("127.0.0.1"), DAY).withEngine(client)).setHostnameVerificationAlgorithm("HTTPS"));
        NetSocket s = OnContext.await(ctx, () -> c.connect(echo.port, "127.0.0.1"));
        String pair = server + " server, " + client + " client";
        assertEquals("node 1", exchange(s, "ping"), pair);
        assertEngine(TlsEngine.choose(client), s.sslSession(), pair + ": the client's session");
        assertEngine(TlsEngine.choose(server), echo.lastSession, pair + ": the server's session");
        assertEquals(OptionalInt.of(2), MemberIdentity.nodeId(s.peerCertificates()), pair);
        OnContext.await(ctx, s::close);
        OnContext.await(ctx, echo.server::close);
      }
    }
  }

  /** With the JDK's engine (the fallback) as with OpenSSL: no certificate, or one of another CA, is refused. */
  @Test
  void eitherEngineRefusesAClientWithoutACertificateOrFromAnotherCa() throws Exception {
    ClusterCertificates other = ClusterCertificates.openOrCreate(dir.resolve("other"), "other", DAY);
    List<TlsEngine.Preference> engines = TlsEngine.openSslUsable()
        ? List.of(TlsEngine.Preference.OPENSSL, TlsEngine.Preference.JDK) : List.of(TlsEngine.Preference.JDK);
    for (TlsEngine.Preference engine : engines) {
      Echo echo = listen(cluster.ensure(2, List.of("127.0.0.1"), DAY).withEngine(engine));
      NetClient foreign = vertx.createNetClient(VertxTls.client(new NetClientOptions(),
          other.ensure(1, List.of("127.0.0.1"), DAY).withEngine(engine)).setHostnameVerificationAlgorithm("HTTPS")
          .setTrustOptions(new PemTrustOptions().addCertPath(ClusterCertificates.caFile(dir.resolve("cluster")).toString())));
      NetClient anonymous = vertx.createNetClient(new NetClientOptions().setSsl(true)
          .setSslEngineOptions(TlsEngine.choose(engine).options()).setHostnameVerificationAlgorithm("HTTPS")
          .setTrustOptions(new PemTrustOptions().addCertPath(ClusterCertificates.caFile(dir.resolve("cluster")).toString())));
      for (NetClient c : List.of(foreign, anonymous)) {
        String who = (c == foreign ? "another CA's certificate" : "no certificate") + ", " + engine + " server";
        // TLS 1.3: the client may finish before the server rejects its certificate; then the refusal is
        // the connection closing without an answer. The handlers go on in the connect's own callback: set
        // later, from this thread, they could miss a close that came first, and the test would wait it out.
        assertThrows(ExecutionException.class,
            () -> OnContext.await(ctx, () -> c.connect(echo.port, "127.0.0.1").compose(s -> ask(s, "ping")),
                Duration.ofSeconds(30)), who);
        assertEquals(0, echo.served, who + " got an answer");
      }
      OnContext.await(ctx, echo.server::close);
    }
  }

  /**
   * Where the native library does not load, auto falls back to the JDK's engine and openssl refuses to start,
   * naming why. Netty's own switch ({@code io.netty.handler.ssl.noOpenSsl}) stands in for a missing library
   * in a fresh JVM (the library, once loaded, stays loaded in this one).
   */
  @Test
  void withoutTheNativeLibraryAutoFallsBackToTheJdk() throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dio.netty.handler.ssl.noOpenSsl=true", "-cp", System.getProperty("java.class.path"),
        ChooseMain.class.getName()).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String said = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), said);
    assertTrue(said.contains("auto=jdk"), said);
    assertTrue(said.contains("openssl=refused: tls.engine is openssl but OpenSSL cannot be used here"), said);
    assertTrue(said.contains("TLS engine for member links: jdk, the fallback"), "the fallback is logged: " + said);
  }

  /** The child JVM of {@link #withoutTheNativeLibraryAutoFallsBackToTheJdk}. */
  public static final class ChooseMain {
    public static void main(String[] args) {
      System.out.println("auto=" + TlsEngine.choose(TlsEngine.Preference.AUTO).label());
      try {
        System.out.println("openssl=" + TlsEngine.choose(TlsEngine.Preference.OPENSSL).label());
      } catch (IllegalStateException e) {
        System.out.println("openssl=refused: " + e.getMessage());
      }
    }
  }

  private static void assertEngine(TlsEngine e, SSLSession session, String what) {
    // netty's OpenSSL sessions are its own classes (OpenSsl...); the JDK's are sun.security.ssl's.
    String cls = session.getClass().getName();
    assertEquals(e == TlsEngine.OPENSSL, cls.contains("OpenSsl"), what + " is " + cls);
  }

  /** A TLS server that answers each message with the node id in the client's certificate. */
  private Echo listen(TlsFiles tls) throws Exception {
    Echo echo = new Echo();
    NetServer server = vertx.createNetServer(VertxTls.server(new NetServerOptions().setHost("127.0.0.1")
        .setPort(FreePorts.next()), tls));
    server.connectHandler(s -> s.handler(b -> {
      echo.lastSession = s.sslSession();
      echo.served++;
      try {
        s.write("node " + MemberIdentity.nodeId(s.peerCertificates()).orElse(-1));
      } catch (SSLPeerUnverifiedException e) {
        s.write("unverified: " + e.getMessage());
      }
    }));
    echo.server = OnContext.await(ctx, server::listen);
    echo.port = echo.server.actualPort();
    return echo;
  }

  /** Sends {@code msg}; the answer, or a failure when the connection closes first. */
  private String exchange(NetSocket s, String msg) throws Exception {
    return OnContext.await(ctx, () -> ask(s, msg), Duration.ofSeconds(30));
  }

  /** On the socket's context: sends {@code msg}; the answer, or a failure when the connection closes first. */
  private static Future<String> ask(NetSocket s, String msg) {
    Promise<String> answer = Promise.promise();
    s.handler(b -> answer.tryComplete(b.toString(StandardCharsets.UTF_8)));
    s.closeHandler(v -> answer.tryFail("closed without an answer"));
    s.exceptionHandler(answer::tryFail);
    s.write(Buffer.buffer(msg)).onFailure(answer::tryFail);
    return answer.future();
  }

  private static final class Echo {
    NetServer server;
    int port;
    volatile SSLSession lastSession;
    volatile int served;
  }
}
