package io.paxosql.node.mariadb;

import java.util.List;

/**
 * Who is replicating from a MariaDB right now, read in one statement: the number of semi-sync clients
 * (status Rpl_semi_sync_master_clients) and every binlog dump connection in its processlist.
 */
public record ReplicaConnections(long semiSyncClients, List<DumpConnection> dumps) {
  public ReplicaConnections {
    dumps = List.copyOf(dumps);
  }

  /** One {@code Binlog Dump} connection: its id (for KILL), account and client host. */
  public record DumpConnection(long id, String user, String host) {}
}
