package io.paxosql.node.mariadb;

import java.util.List;
import java.util.OptionalLong;

/**
 * Who is replicating from a MariaDB right now: every binlog dump connection in its processlist and,
 * when it was read too, the number of semi-sync clients (status Rpl_semi_sync_master_clients). The
 * count is a status read that costs MariaDB several times the dump list, so most looks skip it.
 *
 * @param semiSyncClients the count, read in the same round trip as the dumps; empty when not read
 * @param dumps the binlog dump connections
 */
public record ReplicaConnections(OptionalLong semiSyncClients, List<DumpConnection> dumps) {
  public ReplicaConnections {
    dumps = List.copyOf(dumps);
  }

  /** Dumps and the semi-sync client count, read together. */
  public ReplicaConnections(long semiSyncClients, List<DumpConnection> dumps) {
    this(OptionalLong.of(semiSyncClients), dumps);
  }

  /** Dumps alone: the count was not read. */
  public static ReplicaConnections dumpsOnly(List<DumpConnection> dumps) {
    return new ReplicaConnections(OptionalLong.empty(), dumps);
  }

  /** One {@code Binlog Dump} connection: its id (for KILL), account and client host. */
  public record DumpConnection(long id, String user, String host) {}
}
