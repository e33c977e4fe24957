package io.paxosql.node.mariadb;

import java.util.List;

/**
 * What a master's MariaDB says about who may ACK its commits, read in one statement: the number of
 * semi-sync clients (status Rpl_semi_sync_master_clients), the connection ids of every
 * {@code Binlog Dump} thread in the processlist, and the semi-sync settings.
 */
public record SemiSyncReplicas(long clients, List<Long> dumpConnectionIds, String enabled, String waitPoint) {
  public SemiSyncReplicas {
    dumpConnectionIds = List.copyOf(dumpConnectionIds);
  }
}
