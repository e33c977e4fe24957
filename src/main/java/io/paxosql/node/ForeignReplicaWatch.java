package io.paxosql.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.mariadb.ReplicaConnections.DumpConnection;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.EventKind;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check behind the replication access rule: any binlog dump on this node's MariaDB that is not
 * its capture's is cut off at once (KILL), logged once per intruder, put in the event journal and
 * counted ({@code paxosql.foreign.replicas}). It never touches the node's role: a master keeps serving,
 * and a follower keeps campaigning, so an intruder cannot stall elections by showing up. Runs on the
 * node's context, from {@link NodeMonitor}; its own failures only log (the monitor judges health).
 */
final class ForeignReplicaWatch {
  private static final Logger log = LoggerFactory.getLogger(ForeignReplicaWatch.class);

  private final int nodeId;
  private final String replicationUser;
  private final MariaDbControl control;
  private final Supplier<Set<Long>> ours;
  private final EventJournal events;
  private final Counter cutOff;
  private List<DumpConnection> lastReported = List.of();

  ForeignReplicaWatch(int nodeId, String replicationUser, MariaDbControl control, Supplier<Set<Long>> ours,
      EventJournal events, MeterRegistry registry) {
    this.nodeId = nodeId;
    this.replicationUser = replicationUser;
    this.control = control;
    this.ours = ours;
    this.events = events;
    this.cutOff = Counter.builder("paxosql.foreign.replicas").tag("node", Integer.toString(nodeId))
        .description("binlog dump connections on this node's MariaDB that were not its capture's, cut off")
        .register(registry);
  }

  Future<Void> check() {
    // The capture's ids are read before MariaDB's list: a capture that logs in meanwhile has told us its
    // id before it asks for a dump, so its dump thread is never mistaken for a foreign one.
    Set<Long> mine = ours.get();
    return control.replicaConnections().compose(seen -> {
      ForeignReplicas found = ForeignReplicas.judge(seen, mine);
      if (!found.any()) {
        lastReported = List.of();
        return Future.<Void>succeededFuture();
      }
      if (!found.foreign().equals(lastReported)) {
        String said = "node " + nodeId + ": " + found.describe(replicationUser);
        log.error("{}", said);
        events.add(EventKind.SECURITY, said);
        lastReported = found.foreign();
      }
      Future<Void> all = Future.succeededFuture();
      for (DumpConnection d : found.foreign()) {
        cutOff.increment();
        // It may have gone by itself meanwhile (error 1094, unknown thread): nothing more to do then.
        all = all.compose(x -> control.killConnection(d.id()).recover(e -> Future.succeededFuture()));
      }
      return all;
    }).recover(e -> {
      log.debug("node {}: the replica check could not run: {}", nodeId, e.getMessage());
      return Future.succeededFuture();
    });
  }
}
