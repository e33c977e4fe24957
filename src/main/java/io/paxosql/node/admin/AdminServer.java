package io.paxosql.node.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON over HTTP on the admin port: {@code GET /status}, {@code GET /members}, {@code POST /init}
 * with {@code {"members": ["host:port", ...]}}, {@code POST /step-down}. Errors are JSON objects
 * {@code {"error": code, "message": ..., "hint": ...}} with a 4xx/5xx status.
 */
public final class AdminServer {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final int MAX_BODY = 64 * 1024;
  private static final String STATUS_PAGE = readStatusPage();
  /** Where the uPlot WebJar keeps its files; the version is the one Maven put on the classpath (pom.xml pins it). */
  private static final String UPLOT_DIR = "META-INF/resources/webjars/uplot/" + webJarVersion("uplot") + "/dist";

  private final Vertx vertx;
  private final ClusterAdmin admin;
  private final Router router;
  private HttpServer server;

  public AdminServer(Vertx vertx, ClusterAdmin admin) {
    this.vertx = vertx;
    this.admin = admin;
    this.router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    router.get("/status").handler(ctx -> answer(ctx, admin::status));
    router.get("/members").handler(ctx -> answer(ctx, admin::members));
    router.post("/init").handler(this::init);
    router.post("/step-down").handler(ctx -> answer(ctx, admin::stepDown));
    router.get("/").handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8")
        .end(STATUS_PAGE));
    // The page's charting library, served from the jar: the page works offline, with no CDN.
    router.get("/assets/uplot/*").handler(StaticHandler.create(UPLOT_DIR).setCachingEnabled(true)
        .setDirectoryListing(false));
  }

  /** Prometheus text at {@code /metrics}, scraped from {@code registry} on each request. */
  public AdminServer withMetrics(PrometheusMeterRegistry registry) {
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape()));
    return this;
  }

  /** Further routes (metrics, the status page) are added by their owners before {@link #listen}. */
  public Router router() {
    return router;
  }

  public Future<Integer> listen(String host, int port) {
    router.route().last().handler(ctx -> error(ctx, new AdminException("not-found", 404,
        "no admin endpoint " + ctx.request().method() + " " + ctx.request().path(),
        "use GET /status, GET /members, POST /init or POST /step-down")));
    return vertx.createHttpServer().requestHandler(router).listen(port, host).map(s -> {
      server = s;
      return s.actualPort();
    });
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private static String webJarVersion(String name) {
    String props = "/META-INF/maven/org.webjars.npm/" + name + "/pom.properties";
    try (var in = AdminServer.class.getResourceAsStream(props)) {
      if (in == null) {
        throw new IllegalStateException("the " + name + " WebJar is missing from the classpath (" + props
            + "); the status page needs it: rebuild the jar with `make build`");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readStatusPage() {
    try (var in = AdminServer.class.getResourceAsStream("status.html")) {
      if (in == null) {
        throw new IllegalStateException("status.html is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void init(RoutingContext ctx) {
    List<String> members = new ArrayList<>();
    try {
      JsonObject body = ctx.body().asJsonObject();
      JsonArray list = body == null ? null : body.getJsonArray("members");
      if (list == null || list.isEmpty()) {
        throw new AdminException("bad-request", 400, "init needs a member list",
            "send {\"members\": [\"host:paxosPort\", ...]} listing every member, this node included");
      }
      for (Object o : list) {
        if (!(o instanceof String s)) {
          throw new AdminException("bad-request", 400, "member " + o + " is not a \"host:port\" string",
              "list members as \"host:paxosPort\" strings");
        }
        members.add(s);
      }
    } catch (DecodeException | ClassCastException e) {
      error(ctx, new AdminException("bad-request", 400, "the request body is not a JSON object: " + e.getMessage(),
          "send {\"members\": [\"host:paxosPort\", ...]}"));
      return;
    } catch (AdminException e) {
      error(ctx, e);
      return;
    }
    answer(ctx, () -> admin.init(members));
  }

  private static void answer(RoutingContext ctx, Supplier<Future<JsonObject>> call) {
    Future<JsonObject> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("content-type", "application/json").end(ar.result().encodePrettily());
      } else {
        error(ctx, ar.cause());
      }
    });
  }

  private static void error(RoutingContext ctx, Throwable cause) {
    AdminException e = cause instanceof AdminException a ? a
        : new AdminException("internal", 500, String.valueOf(cause.getMessage()),
            "see the node's log for details and retry; report a bug if it persists");
    if (e.httpStatus() >= 500) {
      log.warn("admin request {} {} failed", ctx.request().method(), ctx.request().path(), cause);
    }
    ctx.response().setStatusCode(e.httpStatus()).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", e.code()).put("message", e.getMessage()).put("hint", e.hint())
            .encodePrettily());
  }
}
