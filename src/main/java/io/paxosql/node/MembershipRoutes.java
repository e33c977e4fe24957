package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.AdminException;
import io.paxosql.node.admin.PeerClient;
import io.paxosql.node.role.NodeRole;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership part of the admin API.
 * <ul>
 *   <li>{@code GET /membership}: genesis set, voting set, addresses (what a starting node asks for);</li>
 *   <li>{@code POST /members/add} {@code {"id","host","paxos","internal","admin","timeoutSeconds"}},
 *       {@code POST /members/remove} {@code {"id","force"}}, {@code POST /members/replace}
 *       {@code {"id","with":{...},"force"}}, {@code GET /members/progress}: sent to any member, run on the
 *       master (a follower passes the request on);</li>
 *   <li>{@code POST /membership/peer} {@code {"put": member}} / {@code {"remove": id}} /
 *       {@code {"merge": membership}}: member to member, keeps each directory current.</li>
 * </ul>
 */
final class MembershipRoutes {
  private static final Logger log = LoggerFactory.getLogger(MembershipRoutes.class);
  private static final long DEFAULT_ADD_TIMEOUT_S = 600;

  private final ClusterNode node;
  private final MembershipChanges changes;
  private final PeerAdmin peers;

  MembershipRoutes(ClusterNode node, MembershipChanges changes, PeerAdmin peers) {
    this.node = node;
    this.changes = changes;
    this.peers = peers;
  }

  void install(Router router) {
    router.get("/membership").handler(ctx -> reply(ctx, () -> Future.succeededFuture(node.membership())));
    router.post("/membership/peer").handler(ctx -> reply(ctx, () -> peerUpdate(body(ctx))));
    router.post("/members/add").handler(ctx -> onMaster(ctx, () -> {
      JsonObject b = body(ctx);
      return changes.add(member(b, "add-member"), timeoutMs(b));
    }));
    router.post("/members/remove").handler(ctx -> onMaster(ctx, () -> {
      JsonObject b = body(ctx);
      return changes.remove(id(b, "id"), b.getBoolean("force", false));
    }));
    router.post("/members/replace").handler(ctx -> onMaster(ctx, () -> {
      JsonObject b = body(ctx);
      Object with = b.getValue("with");
      if (!(with instanceof JsonObject w)) {
        throw bad("replace-member needs \"with\": the new member's id, host and ports");
      }
      return changes.replace(id(b, "id"), member(w, "replace-member"), b.getBoolean("force", false), timeoutMs(b));
    }));
    router.get("/members/progress").handler(ctx -> onMaster(ctx, () -> Future.succeededFuture(changes.progress())));
  }

  private Future<JsonObject> peerUpdate(JsonObject b) {
    MemberDirectory dir = node.directory();
    boolean changed;
    if (b.getValue("put") instanceof JsonObject m) {
      changed = dir.put(memberOf(m));
    } else if (b.getValue("remove") instanceof Number id) {
      changed = dir.remove(id.intValue());
    } else if (b.getValue("merge") instanceof JsonObject all) {
      changed = dir.merge(all);
    } else {
      throw bad("send {\"put\": member}, {\"remove\": id} or {\"merge\": membership}");
    }
    if (changed) {
      log.info("node {}: member addresses now {}", node.config().nodeId(), dir.paxosPeers());
      node.directoryChanged();
    }
    return Future.succeededFuture(new JsonObject().put("changed", changed));
  }

  /** Runs {@code call} here when this node is the master, else passes the request to the master. */
  private void onMaster(RoutingContext ctx, Supplier<Future<JsonObject>> call) {
    if (node.role() == NodeRole.MASTER) {
      reply(ctx, call);
      return;
    }
    int leader = node.replicatedLog().status() == null ? -1 : node.replicatedLog().status().leaderHint();
    NodeConfig.Member m = leader > 0 && leader != node.config().nodeId() ? node.directory().member(leader).orElse(null)
        : null;
    if (m == null) {
      reply(ctx, () -> Future.failedFuture(new AdminException("no-master", 503, "there is no master to run this on "
          + "(node " + node.config().nodeId() + " is " + node.role() + ")",
          "wait for an election to end (`admin status`) and retry")));
      return;
    }
    String body = ctx.body() == null || ctx.body().buffer() == null ? null : ctx.body().asString();
    Future<JsonObject> f = peers.client().call(m.host(), m.admin(), ctx.request().method(), ctx.request().uri(),
        body == null || body.isBlank() ? (ctx.request().method() == HttpMethod.POST ? new JsonObject() : null)
            : new JsonObject(body), PeerAdmin.TIMEOUT_MS);
    f.onComplete(ar -> {
      if (ar.succeeded()) {
        send(ctx, 200, ar.result());
      } else if (ar.cause() instanceof PeerClient.Refusal r) {
        send(ctx, r.status(), r.answer());
      } else {
        error(ctx, new AdminException("master-unreachable", 503, "master node " + m.id() + " at " + m.host() + ":"
            + m.admin() + " did not answer: " + ar.cause().getMessage(), "send the command to the master directly"));
      }
    });
  }

  private static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject b = ctx.body().asJsonObject();
      if (b == null) {
        throw bad("the request has no JSON body");
      }
      return b;
    } catch (RuntimeException e) {
      if (e instanceof AdminException a) {
        throw a;
      }
      throw bad("the request body is not a JSON object: " + e.getMessage());
    }
  }

  private static NodeConfig.Member member(JsonObject b, String command) {
    try {
      return memberOf(b);
    } catch (IllegalArgumentException e) {
      throw bad(command + ": " + e.getMessage());
    }
  }

  private static NodeConfig.Member memberOf(JsonObject b) {
    return MemberDirectory.fromJson(b);
  }

  private static int id(JsonObject b, String field) {
    if (!(b.getValue(field) instanceof Number n) || n.intValue() <= 0) {
      throw bad("\"" + field + "\" must be a positive node id, got " + b.getValue(field));
    }
    return n.intValue();
  }

  private static long timeoutMs(JsonObject b) {
    Object v = b.getValue("timeoutSeconds", DEFAULT_ADD_TIMEOUT_S);
    if (!(v instanceof Number n) || n.longValue() <= 0) {
      throw bad("\"timeoutSeconds\" must be a positive number, got " + v);
    }
    return n.longValue() * 1000;
  }

  private static AdminException bad(String message) {
    return new AdminException("bad-request", 400, message,
        "send the member as {\"id\": N, \"host\": H, \"paxos\": P, \"internal\": I, \"admin\": A}");
  }

  private static void reply(RoutingContext ctx, Supplier<Future<JsonObject>> call) {
    Future<JsonObject> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      if (ar.succeeded()) {
        send(ctx, 200, ar.result());
      } else {
        error(ctx, ar.cause());
      }
    });
  }

  private static void error(RoutingContext ctx, Throwable cause) {
    AdminException e = cause instanceof AdminException a ? a
        : new AdminException("failed", 500, String.valueOf(cause.getMessage()), "see the master's log; `admin status`");
    send(ctx, e.httpStatus(), new JsonObject().put("error", e.code()).put("message", e.getMessage())
        .put("hint", e.hint()));
  }

  private static void send(RoutingContext ctx, int status, JsonObject o) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(o.encodePrettily());
  }
}
