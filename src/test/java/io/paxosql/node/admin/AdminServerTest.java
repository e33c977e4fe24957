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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    AdminServer server = new AdminServer(vertx, none).withMetrics(registry);
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
}
