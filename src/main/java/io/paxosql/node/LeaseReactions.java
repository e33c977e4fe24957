package io.paxosql.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.EventKind;
import io.paxosql.node.status.LeaderWatch;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does with each status of its Paxos log, on its context: counts and journals leader
 * changes, and hands the lease (held or not, and its epoch) to the role machine, whose steps promote
 * or fence the node.
 */
final class LeaseReactions {
  private static final Logger log = LoggerFactory.getLogger(LeaseReactions.class);

  private final RoleMachine roles;
  private final RoleExecutor roleExecutor;
  private final EventJournal events;
  private final LeaderWatch leaderWatch;
  private final Counter leaderChanges;
  private int lastLeader = -1;

  LeaseReactions(int nodeId, RoleMachine roles, RoleExecutor roleExecutor, EventJournal events, MeterRegistry registry) {
    this.roles = roles;
    this.roleExecutor = roleExecutor;
    this.events = events;
    this.leaderWatch = new LeaderWatch(nodeId);
    this.leaderChanges = Counter.builder("paxosql.node.leader.changes").tag("node", Integer.toString(nodeId))
        .description("times this node saw the Paxos leader change").register(registry);
  }

  void onStatus(Status st) {
    if (st.leaderHint() != lastLeader) {
      lastLeader = st.leaderHint();
      leaderChanges.increment();
    }
    leaderWatch.observe(st.leaderHint(), st.ballot().round() + "." + st.ballot().node()).ifPresent(said -> {
      log.info("{}", said);
      events.add(EventKind.ELECTION, said);
    });
    roleExecutor.execute(roles.onLease(st.holdsLease(), epochOf(st.ballot())));
    roleExecutor.updateRoute();
  }

  /** The lease's epoch: the ballot that holds it, as one increasing number. */
  static long epochOf(Ballot b) {
    return b.round() * 4096 + Math.max(0, b.node());
  }
}
