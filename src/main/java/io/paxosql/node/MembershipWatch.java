package io.paxosql.node;

import io.paxosql.config.NodeConfig;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.proxy.MasterRoute;
import io.paxosql.proxy.ProxyServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the membership the Paxos log chose, every few hundred milliseconds, on the node's context: a
 * learner that now votes is initialised (it may campaign from then on); a member the log removed stops
 * serving and says why; a member the log names but this node has no address for is looked up again.
 */
final class MembershipWatch {
  private static final Logger log = LoggerFactory.getLogger(MembershipWatch.class);
  private static final long CHECK_MS = 250;
  private static final long REDISCOVER_MS = 5000;

  private final ClusterNode node;
  private final NodeConfig config;
  private volatile boolean removed;
  private volatile String removedReason = "";
  private boolean joining;
  private long timer = -1;
  private long lastDiscovery;

  MembershipWatch(ClusterNode node) {
    this.node = node;
    this.config = node.config();
  }

  /** Starts watching; a node outside the settled genesis set that starts empty is a learner until it votes. */
  void start() {
    MemberDirectory directory = node.directory();
    joining = !node.initialised() && node.joinCandidatePresent() && directory.genesisSettled()
        && !directory.genesis().orElseThrow().contains(config.nodeId());
    if (joining) {
      log.info("node {} is a learner: it catches up from the Paxos log of members {} and votes once "
          + "`admin add-member` adds it", config.nodeId(), node.replicatedLog().votingMembers());
    }
    timer = node.vertx().setPeriodic(CHECK_MS, id -> check());
  }

  void stop() {
    node.vertx().cancelTimer(timer);
  }

  /** Whether this node is a learner that an {@code add-member} may turn into a voter. */
  boolean joinable() {
    return joining && !node.initialised() && node.joinCandidatePresent() && !removed;
  }

  boolean removed() {
    return removed;
  }

  String removedReason() {
    return removedReason;
  }

  /** What this node knows of the membership, for a starting node's {@link MembershipDiscovery} and operators. */
  JsonObject describe() {
    MemberDirectory directory = node.directory();
    ReplicatedLog replog = node.replicatedLog();
    JsonObject o = directory.toJson()
        .put("clusterId", config.clusterId())
        .put("node", config.nodeId())
        .put("initialised", node.initialised())
        .put("genesis", new JsonArray(new ArrayList<>(directory.genesis().orElse(new TreeSet<>()))));
    if (replog != null) {
      o.put("voting", new JsonArray(new ArrayList<>(replog.votingMembers())))
          .put("latest", new JsonArray(new ArrayList<>(replog.latestMembers())));
    }
    return o;
  }

  private void check() {
    ReplicatedLog replog = node.replicatedLog();
    if (replog == null || node.stopping()) {
      return;
    }
    MemberDirectory directory = node.directory();
    SortedSet<Integer> voting = replog.votingMembers();
    SortedSet<Integer> latest = replog.latestMembers();
    long now = System.currentTimeMillis();
    if (latest.stream().anyMatch(id -> directory.member(id).isEmpty()) && now - lastDiscovery > REDISCOVER_MS) {
      // The log made a member of a node this node has no address for (it missed the announcement).
      lastDiscovery = now;
      MembershipDiscovery.run(node.membershipPeers(), config, directory).onSuccess(heard -> node.directoryChanged());
    }
    if (joining && voting.contains(config.nodeId())) {
      joining = false;
      log.info("node {} votes now: the log made it a member of {}", config.nodeId(), voting);
      node.markInitialised(voting.stream().map(id -> directory.member(id).map(m -> m.host() + ":" + m.paxos())
          .orElse("node" + id)).sorted().toList())
          .onFailure(e -> log.error("node {} cannot write its init marker: {}", config.nodeId(), e.getMessage()));
    }
    if (node.initialised() && !removed && !latest.contains(config.nodeId())) {
      removed = true;
      removedReason = "node " + config.nodeId() + " was removed from the cluster: the Paxos log chose members "
          + latest;
      log.error("{}. It stops serving clients. To bring this machine back: stop it, empty its data dir {}, start "
          + "it and run `admin add-member` against a member", removedReason, config.dataDir());
      node.locator().set(new MasterRoute.None(removedReason));
      ProxyServer proxy = node.proxy();
      if (proxy != null) {
        proxy.stop();
      }
    }
  }
}
