package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.paxosql.node.admin.PeerClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a starting node finds the cluster's current members: it asks every member it knows of (config
 * list and {@code members.json}) for {@code GET /membership}, once, in parallel, and takes the answers of
 * initialised members. A node restarted with an outdated list thus learns members added meanwhile; a
 * joiner learns the genesis set its log must start from.
 */
final class MembershipDiscovery {
  private static final Logger log = LoggerFactory.getLogger(MembershipDiscovery.class);
  static final long TIMEOUT_MS = 1500;

  private MembershipDiscovery() {}

  /** Asks; merges what initialised members answer into {@code directory}. Never fails: nobody answering is normal at first start. */
  static Future<Integer> run(PeerClient peers, NodeConfig config, MemberDirectory directory) {
    List<NodeConfig.Member> asked = directory.all().stream().filter(m -> m.id() != config.nodeId()).toList();
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (NodeConfig.Member m : asked) {
      answers.add(peers.get(m.host(), m.admin(), "/membership"));
    }
    return Future.join(answers).transform(ar -> {
      int heard = 0;
      for (int i = 0; i < asked.size(); i++) {
        Future<JsonObject> f = answers.get(i);
        if (f.failed()) {
          log.info("node {}: member {} at {}:{} did not answer for the membership ({})", config.nodeId(),
              asked.get(i).id(), asked.get(i).host(), asked.get(i).admin(), f.cause().getMessage());
          continue;
        }
        JsonObject o = f.result();
        if (!config.clusterId().equals(o.getString("clusterId"))) {
          log.warn("node {}: {}:{} belongs to cluster '{}', not '{}'; ignoring its membership", config.nodeId(),
              asked.get(i).host(), asked.get(i).admin(), o.getString("clusterId"), config.clusterId());
          continue;
        }
        if (o.getBoolean("initialised", false)) {
          heard++;
          directory.merge(o);
        }
      }
      if (heard > 0) {
        log.info("node {}: {} member(s) told the membership: voting {}, addresses of {}", config.nodeId(), heard,
            votingOf(answers), directory.paxosPeers().keySet());
      }
      return Future.succeededFuture(heard);
    });
  }

  private static TreeSet<Integer> votingOf(List<Future<JsonObject>> answers) {
    TreeSet<Integer> ids = new TreeSet<>();
    for (Future<JsonObject> f : answers) {
      if (f.succeeded() && f.result().getBoolean("initialised", false)) {
        f.result().getJsonArray("voting", new JsonArray()).forEach(x -> ids.add(((Number) x).intValue()));
        return ids;
      }
    }
    return ids;
  }
}
