package io.paxosql.node;

import io.paxosql.node.admin.AdminException;
import io.paxosql.node.admin.ClusterAdmin;
import io.paxosql.node.admin.PeerClient;
import io.paxosql.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The admin API of a running node. {@code status} is this node's facts plus every peer's, fetched
 * from their admin ports with a short timeout; the master is the member that reports MASTER.
 */
final class ClusterAdminService implements ClusterAdmin {
  static final long PEER_TIMEOUT_MS = 800;

  private final ClusterNode node;
  private final PeerClient peers;

  ClusterAdminService(ClusterNode node, PeerClient peers) {
    this.node = node;
    this.peers = peers;
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
      calls.add(node.replicatedLog().transport().initPeer(m.id(), expected).map(v -> new JsonObject()));
    }
    return Future.join(calls).transform(ar -> {
      for (int i = 0; i < others.size(); i++) {
        Future<JsonObject> f = calls.get(i);
        peers.put(Integer.toString(others.get(i).id()), f.succeeded() ? "initialised"
            : "not reached (" + f.cause().getMessage() + "); it joins once it is initialised: run init against it"
                + " (with its own admin token when the members do not share one)");
      }
      return Future.succeededFuture(new JsonObject().put("initialised", true).put("members", new JsonArray(expected))
          .put("peers", peers));
    });
  }

  @Override
  public Future<JsonObject> stepDown() {
    return node.stepDown();
  }

  /** Sends an admin request on to member {@code m}; a failure names the member. */
  Future<JsonObject> forward(NodeConfig.Member m, String path, JsonObject body) {
    return peers.post(m.host(), m.admin(), path, body, PEER_TIMEOUT_MS * 10)
        .recover(e -> Future.failedFuture(e instanceof AdminException ? e : new AdminException("forward-failed", 502,
            "node " + m.id() + " (" + m.host() + ":" + m.admin() + "): " + e.getMessage(),
            "check that node; or run the command against it directly")));
  }

  private Future<JsonObject> peer(NodeConfig.Member m, String path) {
    return peers.get(m.host(), m.admin(), path);
  }
}
