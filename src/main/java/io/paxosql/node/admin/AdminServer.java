package io.paxosql.node.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON over HTTP on the admin port: {@code GET /status}, {@code GET /members}, {@code POST /init}
 * with {@code {"members": ["host:port", ...]}}, {@code POST /step-down}. Errors are JSON objects
 * {@code {"error": code, "message": ..., "hint": ...}} with a 4xx/5xx status.
 *
 * <p>Every request passes the {@link AdminGuard} before any route runs: GET and HEAD are reads, every
 * other method mutates and needs the admin token, routes other members call are declared with
 * {@link #peerRoute}. A route added through {@link #router()} is therefore guarded by its method with
 * nothing to remember. Connections are capped and closed when idle.
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
  private final AdminGuard guard;
  private final Set<String> peerRoutes = new HashSet<>();
  private int maxConnections = AdminLimits.DEFAULT.maxConnections();
  private long idleTimeoutSeconds = AdminLimits.DEFAULT.idleTimeoutSeconds();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong refusedConnections = new AtomicLong();
  private HttpServer server;

  public AdminServer(Vertx vertx, ClusterAdmin admin, AdminGuard guard) {
    this.vertx = vertx;
    this.admin = admin;
    this.guard = guard;
    this.router = Router.router(vertx);
    // First, before a body is even read: a refused request costs nothing more.
    router.route().handler(this::guard);
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

  /**
   * Further routes are added by their owners before {@link #listen}. GET/HEAD routes are reads; any
   * other method needs the admin token (see {@link AdminGuard}).
   */
  public Router router() {
    return router;
  }

  /**
   * A route other members call (init-peer, read-index, /local): it passes for a proven member, and
   * otherwise as a read (GET) or a mutating call (other methods).
   */
  public Route peerRoute(HttpMethod method, String path) {
    peerRoutes.add(method.name() + " " + path);
    return router.route(method, path);
  }

  /** Caps open connections (more are closed at once) and closes connections idle this long. */
  public AdminServer withLimits(AdminLimits limits) {
    this.maxConnections = limits.maxConnections();
    this.idleTimeoutSeconds = limits.idleTimeoutSeconds();
    return this;
  }

  /** Connections closed at once because {@code maxConnections} were open. */
  public long refusedConnections() {
    return refusedConnections.get();
  }

  public Future<Integer> listen(String host, int port) {
    router.route().last().handler(ctx -> error(ctx, new AdminException("not-found", 404,
        "no admin endpoint " + ctx.request().method() + " " + ctx.request().path(),
        "use GET /status, GET /members, POST /init or POST /step-down")));
    // HTTP/1.1 only: with h2c detection a connection is not handed over (nor counted) before its first bytes.
    HttpServerOptions options = new HttpServerOptions().setHttp2ClearTextEnabled(false)
        .setIdleTimeout((int) idleTimeoutSeconds)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
    return vertx.createHttpServer(options).connectionHandler(conn -> {
      if (connections.incrementAndGet() > maxConnections) {
        connections.decrementAndGet();
        refusedConnections.incrementAndGet();
        log.warn("admin port: {} connections open, the limit (admin.maxConnections); closing one from {}",
            maxConnections, conn.remoteAddress());
        conn.close();
        return;
      }
      conn.closeHandler(v -> connections.decrementAndGet());
    }).requestHandler(router).listen(port, host).map(s -> {
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

  private void guard(RoutingContext ctx) {
    var req = ctx.request();
    HttpMethod m = req.method();
    boolean safe = m == HttpMethod.GET || m == HttpMethod.HEAD;
    AdminGuard.Access access = peerRoutes.contains(m.name() + " " + req.path()) ? AdminGuard.Access.PEER
        : safe ? AdminGuard.Access.READ : AdminGuard.Access.MUTATING;
    var refusal = guard.check(access, safe, false, req.getHeader(HttpHeaders.AUTHORIZATION),
        req.getHeader(HttpHeaders.ORIGIN), req.getHeader(HttpHeaders.HOST));
    if (refusal.isPresent()) {
      if (refusal.get().httpStatus() == 401) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"paxosql admin\"");
      }
      log.info("admin request {} {} from {} refused: {}", m, req.path(), req.remoteAddress(),
          refusal.get().getMessage());
      error(ctx, refusal.get());
      return;
    }
    ctx.next();
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
