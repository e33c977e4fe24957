package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.AdminException;
import io.paxosql.node.seed.SeedProgress;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The admin endpoints of seeding: {@code POST /rebuild {"id": N}} rebuilds member N's MariaDB from a
 * member's backup (forwarded to N when it is another node), {@code POST /backup {"out": DIR}} writes
 * a prepared backup of the best follower into DIR on this node's machine and answers when it is done.
 */
final class SeedAdmin {
  private final ClusterNode node;
  private final ClusterAdminService service;
  private final SeedProgress backupProgress = new SeedProgress();

  SeedAdmin(ClusterNode node, ClusterAdminService service) {
    this.node = node;
    this.service = service;
  }

  void routes(Router router) {
    router.post("/rebuild").handler(this::rebuild);
    router.post("/backup").handler(this::backup);
  }

  private void rebuild(RoutingContext ctx) {
    JsonObject body = body(ctx);
    Integer id = body == null ? null : body.getInteger("id");
    NodeConfig config = node.config();
    if (id == null) {
      answer(ctx, Future.failedFuture(new AdminException("bad-request", 400, "rebuild needs the member's id",
          "send {\"id\": N}; `admin members` lists the ids")));
      return;
    }
    if (id == config.nodeId()) {
      answer(ctx, node.rebuild("operator asked (admin rebuild)"));
      return;
    }
    Optional<NodeConfig.Member> m = node.directory().member(id);
    if (m.isEmpty()) {
      answer(ctx, Future.failedFuture(new AdminException("no-such-member", 404, "node " + id
          + " is not a member of this cluster", "`admin members` lists the ids")));
      return;
    }
    answer(ctx, service.forward(m.get(), "/rebuild", body));
  }

  private void backup(RoutingContext ctx) {
    JsonObject body = body(ctx);
    String out = body == null ? null : body.getString("out");
    if (out == null || out.isBlank() || !Path.of(out).isAbsolute()) {
      answer(ctx, Future.failedFuture(new AdminException("bad-request", 400, "backup needs an absolute directory",
          "send {\"out\": \"/absolute/new/dir\"}; the directory is written on this node's machine")));
      return;
    }
    if (node.seeding().seeder() == null) {
      answer(ctx, Future.failedFuture(new AdminException("starting", 503, "node " + node.config().nodeId()
          + " is still starting", "retry in a few seconds")));
      return;
    }
    answer(ctx, node.seeding().seeder().backupTo(Path.of(out), backupProgress)
        .recover(e -> Future.failedFuture(new AdminException("backup-failed", 500, e.getMessage(),
            "check that another member runs and is healthy (`admin status`), then retry with a new directory"))));
  }

  private static JsonObject body(RoutingContext ctx) {
    try {
      return ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void answer(RoutingContext ctx, Future<JsonObject> f) {
    f.onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("content-type", "application/json").end(ar.result().encodePrettily());
      } else {
        AdminException e = ar.cause() instanceof AdminException a ? a
            : new AdminException("internal", 500, String.valueOf(ar.cause().getMessage()),
                "see the node's log for details and retry");
        ctx.response().setStatusCode(e.httpStatus()).putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", e.code()).put("message", e.getMessage()).put("hint", e.hint())
                .encodePrettily());
      }
    });
  }
}
