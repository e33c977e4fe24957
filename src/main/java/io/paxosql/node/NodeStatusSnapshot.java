package io.paxosql.node;

import io.micrometer.core.instrument.Gauge;
import io.paxosql.node.chain.ChainCheckpoint;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.replog.ReplicatedLog;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.status.BuildVersion;
import io.paxosql.node.status.HeapAfterGc;
import io.paxosql.node.status.TransferProgress;
import io.paxosql.paxos.Status;
import io.paxosql.tls.TlsEngine;
import io.paxosql.tls.TlsFiles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What a node reports about itself: the {@code /local} facts peers and the status page read, and the
 * gauges its metrics expose. Reads the node's parts as they are now; any of them may still be missing
 * while the node starts.
 */
final class NodeStatusSnapshot {
  private final ClusterNode node;

  NodeStatusSnapshot(ClusterNode node) {
    this.node = node;
  }

  /** The node's gauges: capture queue, replica lag, lease, role. */
  void registerGauges() {
    String id = Integer.toString(node.config().nodeId());
    var registry = node.registry();
    Gauge.builder("paxosql.capture.queue", node, n -> n.chain() == null ? 0 : n.chain().pendingCount()).tag("node", id)
        .description("transactions the master's capture handed over and the chain has not accepted yet").register(registry);
    Gauge.builder("paxosql.node.replica.lag.transactions", node, n -> n.monitor().lagTransactions()).tag("node", id)
        .register(registry);
    Gauge.builder("paxosql.node.replica.lag.ms", node, n -> n.replicaLag().lagMs(System.nanoTime()))
        .tag("node", id).description("age of the oldest chain transaction MariaDB has not applied (upper bound)")
        .register(registry);
    Gauge.builder("paxosql.node.lease.remaining.ms", this, s -> s.leaseRemainingMs()).tag("node", id)
        .register(registry);
    Gauge.builder("paxosql.node.role", node, n -> n.role().ordinal()).tag("node", id)
        .description("0 starting, 1 follower, 2 promoting, 3 master, 4 fencing, 5 diverged").register(registry);
    Gauge.builder("paxosql.tls.engine", () -> 1).tag("node", id).tag("engine", tlsEngine())
        .description("always 1; the engine tag names the TLS implementation of the member links (openssl, jdk, off)")
        .register(registry);
  }

  /** The TLS implementation of this node's member links: openssl, jdk, or off ({@code tls.mode: off}). */
  String tlsEngine() {
    TlsFiles tls = NodeWiring.tlsFiles(node.config());
    return tls == null ? "off" : TlsEngine.choose(tls.engine()).label();
  }

  long leaseRemainingMs() {
    ReplicatedLog replog = node.replicatedLog();
    Status st = replog == null ? null : replog.status();
    return st == null || !st.holdsLease() ? 0 : (st.leaseUntil() - st.now()) * node.config().paxos().tickMs();
  }

  /** This node's own facts, as peers and the status page read them. */
  JsonObject local() {
    ReplicatedLog replog = node.replicatedLog();
    ChainedLog chain = node.chain();
    NodeMonitor monitor = node.monitor();
    RoleExecutor roleExecutor = node.roleExecutor();
    MembershipWatch members = node.membershipWatch();
    MemberDirectory directory = node.directory();
    int id = node.config().nodeId();
    Status st = replog == null ? null : replog.status();
    ChainState c = chain == null ? ChainState.EMPTY : chain.state();
    NodeRole role = node.role();
    return new JsonObject()
        .put("id", id)
        .put("clusterId", node.config().clusterId())
        .put("initialised", node.initialised())
        .put("membership", members.removed() ? "removed" : replog != null && replog.votingMembers().contains(id)
            ? "voting" : "learner")
        .put("joinable", members.joinable())
        .put("removedReason", members.removedReason())
        .put("chosenBelow", replog == null ? 0 : replog.chosenBelow())
        .put("logBytes", node.logBytes())
        .put("genesis", new JsonArray(new ArrayList<>(directory == null ? new TreeSet<Integer>()
            : directory.genesis().orElse(new TreeSet<>()))))
        .put("role", role.name())
        .put("epoch", c.epoch())
        .put("chainMaster", c.masterNode() == 0 ? null : c.masterNode())
        .put("leaseHeld", st != null && st.holdsLease())
        .put("leaseRemainingMs", leaseRemainingMs())
        .put("leaderHint", st == null ? -1 : st.leaderHint())
        .put("lastChosenInstance", replog == null ? -1 : replog.chosenBelow() - 1)
        .put("chainGtid", c.gtids().toString())
        .put("lastSequence", c.lastSequence())
        .put("appliedGtid", monitor == null ? "" : monitor.appliedGtid())
        .put("lagTransactions", monitor == null ? 0 : monitor.lagTransactions())
        .put("lagMs", node.replicaLag().lagMs(System.nanoTime()))
        .put("diverged", role == NodeRole.DIVERGED)
        .put("divergence", node.roles().divergence())
        .put("needsRebuild", node.needsRebuild().orElse(null))
        .put("logFirstRetained", replog == null ? -1 : replog.firstRetained())
        .put("logBytes", replog == null ? 0 : replog.storage().heldBytes())
        .put("chainCheckpoint", chain == null ? null : chain.base().map(ChainCheckpoint::toString).orElse(null))
        .put("retention", replog == null ? "" : replog.retentionDecision())
        .put("mariadbRunning", node.mariadb().isRunning())
        .put("lastProblem", roleExecutor == null ? "" : roleExecutor.lastProblem())
        .put("captureTransactions", roleExecutor == null ? 0 : roleExecutor.captureTransactions())
        .put("seed", node.seeding().progress().toJson(System.nanoTime()))
        .put("donor", node.seedServer() == null ? null : node.seedServer().progress().toJson(System.nanoTime()))
        .put("donorHolds", node.seeding().donorHolds().toJson(System.nanoTime()))
        .put("roleChanges", roleExecutor == null ? new JsonArray() : roleExecutor.roleChanges())
        .mergeIn(cardFacts());
  }

  /** What the status page's node card shows beyond the table: role age, MariaDB health, disk, heap, version, transfer. */
  private JsonObject cardFacts() {
    RoleExecutor roleExecutor = node.roleExecutor();
    NodeMonitor monitor = node.monitor();
    var disk = node.statusRecorder().disk();
    long heap = HeapAfterGc.get().bytes();
    JsonObject out = new JsonObject()
        .put("roleSinceMs", roleExecutor == null ? null : roleExecutor.roleSinceMs())
        .put("mariadb", monitor == null ? "unknown" : monitor.mariadbHealth())
        .put("disk", disk == null ? null : disk.toJson())
        .put("heapAfterGcBytes", heap < 0 ? null : heap)
        .put("heapMaxBytes", Runtime.getRuntime().maxMemory())
        .put("version", BuildVersion.describe())
        .put("tlsEngine", tlsEngine());
    node.transfer().current().or(this::seedTransfer).ifPresent(t -> out.put("transfer", t.toJson()));
    return out;
  }

  /** A seed or rebuild of this node's MariaDB in progress, as the node card's transfer line shows it. */
  private Optional<TransferProgress> seedTransfer() {
    JsonObject s = node.seeding().progress().toJson(System.nanoTime());
    String phase = s.getString("phase", "IDLE");
    if (phase.equals("IDLE") || phase.equals("DONE")) {
      return Optional.empty();
    }
    long expected = s.getLong("expectedBytes", 0L);
    int donor = s.getInteger("donor", -1);
    return Optional.of(new TransferProgress(phase.toLowerCase(Locale.ROOT).replace('_', ' ') + " ("
        + s.getString("reason", "seed") + ")", donor < 0 ? "choosing a donor" : "node " + donor,
        s.getLong("bytes", 0L), expected > 0 ? expected : -1, s.getDouble("mbPerSecond", 0.0) * 1e6));
  }
}
