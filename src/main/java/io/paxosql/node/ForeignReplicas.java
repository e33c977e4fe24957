package io.paxosql.node;

import io.paxosql.node.mariadb.ReplicaConnections;
import io.paxosql.node.mariadb.ReplicaConnections.DumpConnection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a look at a node's MariaDB found replicating from it besides the capture. Access control
 * should make this impossible (only the replication account holds REPLICATION SLAVE, see
 * {@code AccountsInitFile}); this is the check behind it, for an account given the privilege by hand.
 *
 * @param foreign binlog dump connections that are not the capture's (to be cut off)
 * @param unexplainedSemiSyncClients semi-sync clients beyond the dump connections listed (none expected; 0 when
 *     the count was not read)
 */
record ForeignReplicas(List<DumpConnection> foreign, long unexplainedSemiSyncClients) {
  ForeignReplicas {
    foreign = List.copyOf(foreign);
  }

  /**
   * @param seen what MariaDB reports
   * @param ours the connection ids the capture logged in with (an earlier connection's dump thread
   *     may linger until MariaDB notices its socket closed; it is ours, not foreign)
   */
  static ForeignReplicas judge(ReplicaConnections seen, Set<Long> ours) {
    List<DumpConnection> foreign = seen.dumps().stream().filter(d -> !ours.contains(d.id())).toList();
    long unexplained = seen.semiSyncClients().isPresent()
        ? Math.max(0, seen.semiSyncClients().getAsLong() - seen.dumps().size()) : 0;
    return new ForeignReplicas(foreign, unexplained);
  }

  boolean any() {
    return !foreign.isEmpty() || unexplainedSemiSyncClients > 0;
  }

  /** For the log and the event journal: who, and what to do about it. */
  String describe(String replicationUser) {
    StringBuilder s = new StringBuilder("a replica other than this node's capture is attached to its MariaDB");
    if (!foreign.isEmpty()) {
      s.append(": ").append(foreign.stream().map(d -> "connection " + d.id() + " of '" + d.user() + "'@'" + d.host() + "'")
          .collect(Collectors.joining(", "))).append(" (cut off with KILL)");
    }
    if (unexplainedSemiSyncClients > 0) {
      s.append("; ").append(unexplainedSemiSyncClients).append(" semi-sync client(s) without a visible dump connection");
    }
    boolean replAccount = foreign.stream().anyMatch(d -> replicationUser.equals(d.user()));
    s.append(replAccount ? ". Someone logged in with the replication account's password: replace it (delete the"
        + " node's replication-password file and restart the node)"
        : ". Only the replication account may hold REPLICATION SLAVE (every start revokes it from the others): "
        + "someone with root granted it by hand; find who and revoke it");
    return s.toString();
  }
}
