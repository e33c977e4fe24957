package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.PeerClient;
import io.paxosql.node.status.MetricSample;
import io.paxosql.node.status.NodeEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * What the status page reads once a second. {@code GET /local/overview?since=MS} is this node's facts,
 * its chart samples newer than MS and its latest events; {@code GET /cluster?since=MS} is the same for
 * every member, asked through {@link PeerClient}, so any node's page shows the whole cluster. A member
 * that does not answer is listed with {@code reachable: false} and why, never left out.
 */
final class ClusterOverview {
  /** Events each member sends; the page's timeline shows the newest of all of them. */
  static final int EVENTS_PER_NODE = 60;

  private final ClusterNode node;
  private final PeerClient peers;

  ClusterOverview(ClusterNode node, PeerClient peers) {
    this.node = node;
    this.peers = peers;
  }

  void local(RoutingContext ctx) {
    Long since = sinceOf(ctx);
    if (since != null) {
      reply(ctx, localOverview(since));
    }
  }

  void cluster(RoutingContext ctx) {
    Long since = sinceOf(ctx);
    if (since == null) {
      return;
    }
    NodeConfig c = node.config();
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (NodeConfig.Member m : c.members()) {
      answers.add(m.id() == c.nodeId() ? Future.succeededFuture(localOverview(since))
          : peers.get(m.host(), m.admin(), "/local/overview?since=" + since));
    }
    Future.join(answers).onComplete(ignored -> {
      JsonArray members = new JsonArray();
      Integer master = null;
      for (int i = 0; i < answers.size(); i++) {
        NodeConfig.Member m = c.members().get(i);
        Future<JsonObject> f = answers.get(i);
        JsonObject entry = new JsonObject().put("id", m.id()).put("host", m.host()).put("admin", m.admin());
        if (f.succeeded()) {
          entry.put("reachable", true).mergeIn(f.result());
          if ("MASTER".equals(f.result().getJsonObject("local", new JsonObject()).getString("role"))) {
            master = m.id();
          }
        } else {
          entry.put("reachable", false).put("error", "admin port " + m.host() + ":" + m.admin()
              + " did not answer: " + f.cause().getMessage());
        }
        members.add(entry);
      }
      reply(ctx, new JsonObject().put("clusterId", c.clusterId()).put("node", c.nodeId()).put("master", master)
          .put("timeMs", System.currentTimeMillis()).put("columns", new JsonArray(List.of(MetricSample.COLUMNS)))
          .put("members", members));
    });
  }

  private JsonObject localOverview(long since) {
    JsonArray rows = new JsonArray();
    for (MetricSample s : node.statusRecorder().after(since)) {
      rows.add(s.toJson());
    }
    JsonArray events = new JsonArray();
    for (NodeEvent e : node.events().recent(EVENTS_PER_NODE)) {
      events.add(e.toJson());
    }
    return new JsonObject().put("local", node.localStatus()).put("history", rows).put("events", events);
  }

  /** The {@code since} parameter (0 when absent), or null after answering 400 for one that is not a number. */
  private static Long sinceOf(RoutingContext ctx) {
    String s = ctx.queryParams().get("since");
    if (s == null || s.isEmpty()) {
      return 0L;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      ctx.response().setStatusCode(400).putHeader("content-type", "application/json").end(new JsonObject()
          .put("error", "bad-request").put("message", "since=" + s + " is not a time in epoch milliseconds")
          .put("hint", "pass the timeMs of the last sample you have, or leave since out for the whole history")
          .encode());
      return null;
    }
  }

  private static void reply(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("content-type", "application/json").putHeader("cache-control", "no-store")
        .end(body.encode());
  }
}
