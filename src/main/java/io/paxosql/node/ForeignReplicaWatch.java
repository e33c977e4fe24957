package io.paxosql.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.mariadb.ReplicaConnections;
import io.paxosql.node.mariadb.ReplicaConnections.DumpConnection;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.EventKind;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check behind the replication access rule, in every role: any binlog dump on this node's MariaDB
 * that is not its capture's is cut off at once (KILL), logged once per intruder, put in the event journal
 * and counted ({@code paxosql.foreign.replicas}). On a follower that is all (it has no commit to release).
 * On a master (or a node promoting) it is also a breach: the intruder may have ACKed commits the cluster
 * has not chosen. A master's semi-sync settings are checked too (ON, AFTER_SYNC, our timeout, waiting with
 * no client), and that its capture's session is a semi-sync one. A breach is returned for
 * {@link MasterResign}. Every check reads the dump list (SHOW PROCESSLIST); the semi-sync client count, a
 * status read that cost MariaDB more than the rest of the monitor's cycle, only as {@link SemiSyncCountCadence}
 * says. Runs on the node's context, from {@link NodeMonitor}; its own failures only log (the monitor judges
 * health).
 */
final class ForeignReplicaWatch {
  private static final Logger log = LoggerFactory.getLogger(ForeignReplicaWatch.class);
  /**
   * Semi-sync clients without a visible dump count only when seen this many checks in a row: the status
   * and the processlist are two statements, so a capture's reconnect can fall between them once.
   */
  private static final int UNEXPLAINED_STRIKES = 2;
  /**
   * Checks (of 200 ms) between semi-sync client counts while the dumps stay the same: the count (a status
   * read, ~160 us of MariaDB CPU) is read at least once a second; the dump list, which catches a second
   * replica, at every check.
   */
  static final int COUNT_EVERY_CHECKS = 5;

  private final int nodeId;
  private final String replicationUser;
  private final MariaDbControl control;
  private final Supplier<Set<Long>> ours;
  private final BooleanSupplier captureSemiSync;
  private final EventJournal events;
  private final Counter cutOff;
  private List<DumpConnection> lastReported = List.of();
  private int unexplainedStrikes;
  private final SemiSyncCountCadence countCadence = new SemiSyncCountCadence(COUNT_EVERY_CHECKS);

  ForeignReplicaWatch(int nodeId, String replicationUser, MariaDbControl control, Supplier<Set<Long>> ours,
      BooleanSupplier captureSemiSync, EventJournal events, MeterRegistry registry) {
    this.nodeId = nodeId;
    this.replicationUser = replicationUser;
    this.control = control;
    this.ours = ours;
    this.captureSemiSync = captureSemiSync;
    this.events = events;
    this.cutOff = Counter.builder("paxosql.foreign.replicas").tag("node", Integer.toString(nodeId))
        .description("binlog dump connections on this node's MariaDB that were not its capture's, cut off")
        .register(registry);
  }

  /** Looks once as a node of role {@code role}; the breach, if the node is a master that must resign. */
  Future<Optional<OnlyUsBreach>> check(NodeRole role) {
    boolean master = role == NodeRole.MASTER || role == NodeRole.PROMOTING;
    Future<ReplicaConnections> look = countCadence.due(role) ? control.replicaConnections()
        : control.dumpConnections().compose(dumps -> countCadence.changed(ids(dumps.dumps()))
            ? control.replicaConnections() : Future.succeededFuture(dumps));
    return look.compose(seen -> {
      // The capture's ids are read after MariaDB's list, never before: the capture tells us its id before it
      // asks for a dump, so every dump of its in the list is known by now. Read before the list, a capture
      // that logged in and dumped while the list was queried (its first login, right after a promotion, at
      // high load) was judged foreign and the new master resigned.
      Set<Long> mine = ours.get();
      ForeignReplicas found = ForeignReplicas.judge(seen, mine);
      if (seen.semiSyncClients().isPresent()) {
        unexplainedStrikes = found.unexplainedSemiSyncClients() > 0 ? unexplainedStrikes + 1 : 0;
        countCadence.counted(role, ids(seen.dumps()), found.unexplainedSemiSyncClients() > 0);
      } else {
        countCadence.skipped(role);
      }
      boolean intruded = !found.foreign().isEmpty() || unexplainedStrikes >= UNEXPLAINED_STRIKES;
      Future<Void> cut = found.any() ? cutOff(found) : Future.succeededFuture();
      if (!found.any()) {
        lastReported = List.of();
      }
      if (master && intruded) {
        return cut.map(Optional.of(new OnlyUsBreach(OnlyUsBreach.FOREIGN_REPLICA, found.describe(replicationUser))));
      }
      return role == NodeRole.MASTER ? cut.compose(x -> settings()) : cut.map(Optional.empty());
    }).recover(e -> {
      log.debug("node {}: the replica check could not run: {}", nodeId, e.getMessage());
      return Future.succeededFuture(Optional.empty());
    });
  }

  private static Set<Long> ids(List<DumpConnection> dumps) {
    Set<Long> ids = new HashSet<>();
    for (DumpConnection d : dumps) {
      ids.add(d.id());
    }
    return ids;
  }

  private Future<Void> cutOff(ForeignReplicas found) {
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
  }

  /** A master's own waiting rules: its settings, and that its capture's session can ACK. */
  private Future<Optional<OnlyUsBreach>> settings() {
    return control.semiSyncSettings().map(s -> {
      List<String> problems = new ArrayList<>(s.problems());
      if (!captureSemiSync.getAsBoolean()) {
        problems.add("the capture's session is not a semi-sync one (semi-sync was off when it logged in)");
      }
      return problems.isEmpty() ? Optional.<OnlyUsBreach>empty()
          : Optional.of(new OnlyUsBreach(OnlyUsBreach.SEMI_SYNC_SETTINGS, "this master's MariaDB may release commits "
              + "the cluster has not chosen: " + String.join("; ", problems) + ". Someone with root changed it"));
    });
  }
}
