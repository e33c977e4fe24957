package io.paxosql.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.paxosql.testing.FreePorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.paxosql.testing.Retry;
import io.vertx.core.http.HttpMethod;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

public class AdminServerTest {
  /** One sample line of the Prometheus text format: name, optional labels, a number. */
  public static final Pattern SAMPLE = Pattern.compile(
      "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)( [0-9]+)?");

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path);
    return r.body();
  }

  @Test
  void metricsAreValidPrometheusTextAndMove() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter proposals = Counter.builder("paxosql.paxos.proposals").register(registry);
    ClusterAdmin none = new ClusterAdmin() {
      public Future<JsonObject> status() { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> members() { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> init(List<String> m) { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> stepDown() { return Future.succeededFuture(new JsonObject()); }
    };
    AdminServer server = new AdminServer(vertx, none,
        new AdminGuard("test-token", false, Set.of(), "admin-token")).withMetrics(registry);
    int port = server.listen("127.0.0.1", FreePorts.next()).await(10, TimeUnit.SECONDS);

    proposals.increment(3);
    String text = get(port, "/metrics");
    for (String line : text.split("\n")) {
      assertTrue(line.isEmpty() || line.startsWith("#") || SAMPLE.matcher(line).matches(), "not Prometheus text: " + line);
    }
    assertTrue(text.contains("paxosql_paxos_proposals_total 3.0"), text);
    proposals.increment();
    assertTrue(get(port, "/metrics").contains("paxosql_paxos_proposals_total 4.0"));

    String page = get(port, "/");
    assertTrue(page.contains("<title>paxosql status</title>") && page.contains("fetch('/cluster?since="), page);
    String uplot = get(port, "/assets/uplot/uPlot.iife.min.js");
    assertTrue(uplot.length() > 40_000 && uplot.contains("uPlot"), "uPlot is served from the jar");
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Issue 15: a route a later feature adds through router() is guarded by its method without asking,
   * a foreign Origin is refused before the route runs, and peer routes pass as reads when GET.
   */
  @Test
  void routesAddedLaterAreGuardedByTheirMethod() throws Exception {
    ClusterAdmin none = new ClusterAdmin() {
      public Future<JsonObject> status() { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> members() { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> init(List<String> m) { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> stepDown() { return Future.succeededFuture(new JsonObject()); }
    };
    AdminServer server = new AdminServer(vertx, none, new AdminGuard("tok", false, Set.of(), "admin-token"));
    AtomicInteger rebuilds = new AtomicInteger();
    server.router().post("/rebuild").handler(ctx -> ctx.end("{\"rebuilt\": " + rebuilds.incrementAndGet() + "}"));
    server.router().delete("/member/:id").handler(ctx -> ctx.end("{}"));
    server.peerRoute(HttpMethod.GET, "/read-index").handler(ctx -> ctx.end("{\"gtid\": \"\"}"));
    int port = server.listen("127.0.0.1", FreePorts.next()).await(10, TimeUnit.SECONDS);
    URI rebuild = URI.create("http://127.0.0.1:" + port + "/rebuild");

    HttpResponse<String> r = send(HttpRequest.newBuilder(rebuild).POST(HttpRequest.BodyPublishers.noBody()));
    assertEquals(401, r.statusCode(), r.body());
    assertEquals("unauthorized", new JsonObject(r.body()).getString("error"));
    assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    assertEquals(401, send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/member/2")).DELETE())
        .statusCode());
    r = send(HttpRequest.newBuilder(rebuild).header("Origin", "http://evil.example")
        .header("Authorization", "Bearer tok").POST(HttpRequest.BodyPublishers.noBody()));
    assertEquals(403, r.statusCode(), r.body());
    assertEquals("foreign-origin", new JsonObject(r.body()).getString("error"));
    assertEquals(0, rebuilds.get(), "no refused call reached the route");

    r = send(HttpRequest.newBuilder(rebuild).header("Authorization", "Bearer tok")
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(1, rebuilds.get());
    assertEquals(200, send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/read-index")))
        .statusCode());
    assertEquals(200, send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))).statusCode());
  }

  /** Issue 15: connections beyond the cap are closed at once, and idle ones after the idle timeout. */
  @Test
  void connectionsAreCappedAndIdleOnesClosed() throws Exception {
    ClusterAdmin none = new ClusterAdmin() {
      public Future<JsonObject> status() { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> members() { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> init(List<String> m) { return Future.succeededFuture(new JsonObject()); }
      public Future<JsonObject> stepDown() { return Future.succeededFuture(new JsonObject()); }
    };
    AdminServer server = new AdminServer(vertx, none, new AdminGuard("tok", false, Set.of(), "admin-token"))
        .withLimits(new AdminLimits(2, 1));
    int port = server.listen("127.0.0.1", FreePorts.next()).await(10, TimeUnit.SECONDS);
    try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port);
        Socket c = new Socket("127.0.0.1", port)) {
      c.setSoTimeout(10_000);
      assertEquals(-1, c.getInputStream().read(), "the third connection is closed at once");
      Retry.waitFor("the refusal counted", Duration.ofSeconds(10), () -> server.refusedConnections() == 1);
      a.setSoTimeout(10_000);
      long start = System.nanoTime();
      assertEquals(-1, a.getInputStream().read(), "an idle connection is closed");
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(8), "within about the idle timeout");
    }
    // Closed connections free their places.
    Retry.waitFor("a new connection served", Duration.ofSeconds(10), () -> {
      try {
        return get(port, "/status") != null;
      } catch (Exception | AssertionError e) {
        return false;
      }
    });
  }
}
