package io.paxosql.node;

import io.paxosql.node.admin.AdminException;
import io.paxosql.node.admin.ClusterAdmin;
import io.paxosql.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The admin API of a running node. {@code status} is this node's facts plus every peer's, fetched
 * from their admin ports with a short timeout; the master is the member that reports MASTER.
 */
final class ClusterAdminService implements ClusterAdmin {
  private static final long PEER_TIMEOUT_MS = 800;

  private final ClusterNode node;
  private final HttpClient http;

  ClusterAdminService(ClusterNode node) {
    this.node = node;
    this.http = node.vertx().createHttpClient(new HttpClientOptions().setConnectTimeout((int) PEER_TIMEOUT_MS));
  }

  @Override
  public Future<JsonObject> status() {
    NodeConfig c = node.config();
    List<NodeConfig.Member> known = node.directory().all();
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (NodeConfig.Member m : known) {
      answers.add(m.id() == c.nodeId() ? Future.succeededFuture(node.localStatus()) : peer(m, "/local"));
    }
    return Future.join(answers).transform(ar -> {
      JsonObject local = node.localStatus();
      JsonArray members = new JsonArray();
      Integer master = null;
      for (int i = 0; i < answers.size(); i++) {
        NodeConfig.Member m = known.get(i);
        Future<JsonObject> f = answers.get(i);
        JsonObject entry;
        if (f.succeeded()) {
          entry = f.result().copy().put("reachable", true);
          entry.remove("roleChanges");
          if ("MASTER".equals(entry.getString("role"))) {
            master = m.id();
          }
        } else {
          entry = new JsonObject().put("id", m.id()).put("reachable", false)
              .put("error", "admin port " + m.host() + ":" + m.admin() + " did not answer: " + f.cause().getMessage());
        }
        members.add(entry.put("host", m.host()));
      }
      JsonObject out = new JsonObject()
          .put("clusterId", c.clusterId())
          .put("node", c.nodeId())
          .put("initialised", local.getBoolean("initialised"))
          .put("master", master)
          .put("epoch", local.getLong("epoch"))
          .put("leaseRemainingMs", master == null ? 0L : leaseOf(members, master))
          .put("lastChosenInstance", local.getLong("lastChosenInstance"))
          .put("voting", node.membership().getJsonArray("voting"))
          .put("members", members)
          .put("roleChanges", local.getJsonArray("roleChanges"));
      return Future.succeededFuture(out);
    });
  }

  private static long leaseOf(JsonArray members, int master) {
    for (Object o : members) {
      JsonObject m = (JsonObject) o;
      if (m.getInteger("id") == master) {
        return m.getLong("leaseRemainingMs", 0L);
      }
    }
    return 0;
  }

  @Override
  public Future<JsonObject> members() {
    JsonArray list = new JsonArray();
    JsonArray voting = node.membership().getJsonArray("voting", new JsonArray());
    for (NodeConfig.Member m : node.directory().all()) {
      list.add(MemberDirectory.toJson(m).put("voting", voting.contains(m.id())));
    }
    return Future.succeededFuture(new JsonObject().put("clusterId", node.config().clusterId()).put("members", list));
  }

  @Override
  public Future<JsonObject> init(List<String> members) {
    List<String> given = new ArrayList<>(new TreeSet<>(members));
    List<String> expected = node.expectedMembers();
    if (!given.equals(expected) || given.size() != members.size()) {
      return Future.failedFuture(new AdminException("bad-members", 400,
          "the member list " + members + " does not match this node's configured members " + expected,
          "pass every member's host:paxosPort exactly once, as in the members section of the config"));
    }
    if (node.initialised()) {
      return Future.failedFuture(new AdminException("already-initialised", 409,
          "cluster '" + node.config().clusterId() + "' is already initialised with members "
              + node.initialisedMembers().orElse(List.of()),
          "nothing to do; use `admin status` to see it, or remove the data directories to start over"));
    }
    return node.markInitialised(expected)
        .recover(e -> Future.failedFuture(new AdminException("io", 500, "cannot write the init marker: "
            + e.getMessage(), "check that the data directory " + node.config().dataDir() + " is writable")))
        .compose(x -> initPeers(expected));
  }

  private Future<JsonObject> initPeers(List<String> expected) {
    JsonObject peers = new JsonObject();
    List<Future<JsonObject>> calls = new ArrayList<>();
    List<NodeConfig.Member> others = node.config().members().stream().filter(m -> m.id() != node.config().nodeId()).toList();
    for (NodeConfig.Member m : others) {
      calls.add(peerPost(m, "/init-peer", new JsonObject().put("members", new JsonArray(expected))));
    }
    return Future.join(calls).transform(ar -> {
      for (int i = 0; i < others.size(); i++) {
        Future<JsonObject> f = calls.get(i);
        peers.put(Integer.toString(others.get(i).id()), f.succeeded() ? "initialised"
            : "not reached (" + f.cause().getMessage() + "); it joins once it is initialised: run init against it");
      }
      return Future.succeededFuture(new JsonObject().put("initialised", true).put("members", new JsonArray(expected))
          .put("peers", peers));
    });
  }

  /** A peer's init: same member list, idempotent. */
  void initPeer(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    List<String> members = new ArrayList<>();
    if (body != null) {
      body.getJsonArray("members", new JsonArray()).forEach(o -> members.add(String.valueOf(o)));
    }
    if (!members.equals(node.expectedMembers())) {
      ctx.response().setStatusCode(400).end(new JsonObject().put("error", "bad-members")
          .put("message", "members " + members + " differ from this node's " + node.expectedMembers()).encode());
      return;
    }
    Future<Void> done = node.initialised() ? Future.succeededFuture() : node.markInitialised(members);
    done.onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("content-type", "application/json").end(new JsonObject().put("initialised", true).encode());
      } else {
        ctx.response().setStatusCode(500).end(new JsonObject().put("error", "io").put("message",
            ar.cause().getMessage()).encode());
      }
    });
  }

  @Override
  public Future<JsonObject> stepDown() {
    return node.stepDown();
  }

  /** Sends an admin request on to member {@code m}; its answer or refusal comes back as is. */
  Future<JsonObject> forward(NodeConfig.Member m, String path, JsonObject body) {
    return http.request(new RequestOptions().setHost(m.host()).setPort(m.admin()).setURI(path).setMethod(HttpMethod.POST)
            .setTimeout(PEER_TIMEOUT_MS * 10))
        .compose(req -> req.send(body.encode()).compose(resp -> resp.body().compose(b -> {
          JsonObject answer = new JsonObject(b.toString());
          return resp.statusCode() == 200 ? Future.succeededFuture(answer)
              : Future.failedFuture(new AdminException(answer.getString("error", "refused"), resp.statusCode(),
                  "node " + m.id() + ": " + answer.getString("message", ""), answer.getString("hint", "")));
        })))
        .recover(e -> Future.failedFuture(e instanceof AdminException ? e : new AdminException("unreachable", 502,
            "node " + m.id() + "'s admin port " + m.host() + ":" + m.admin() + " did not answer: " + e.getMessage(),
            "start that node, or run the command against it directly")));
  }

  private Future<JsonObject> peer(NodeConfig.Member m, String path) {
    return http.request(new RequestOptions().setHost(m.host()).setPort(m.admin()).setURI(path).setMethod(HttpMethod.GET)
            .setTimeout(PEER_TIMEOUT_MS))
        .compose(req -> req.send().compose(resp -> resp.body()))
        .map(buf -> new JsonObject(buf.toString()));
  }

  private Future<JsonObject> peerPost(NodeConfig.Member m, String path, JsonObject body) {
    return http.request(new RequestOptions().setHost(m.host()).setPort(m.admin()).setURI(path).setMethod(HttpMethod.POST)
            .setTimeout(PEER_TIMEOUT_MS * 3))
        .compose(req -> req.send(body.encode()).compose(resp -> resp.statusCode() == 200 ? resp.body()
            : resp.body().compose(b -> Future.failedFuture("HTTP " + resp.statusCode() + ": " + b))))
        .map(buf -> new JsonObject(buf.toString()));
  }
}
