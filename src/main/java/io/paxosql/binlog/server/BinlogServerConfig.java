package io.paxosql.binlog.server;

/**
 * The binlog server's listening address, the replication account replicas log in with, and how it
 * presents itself (server id of its own events, GTID domain, virtual binlog file name).
 */
public record BinlogServerConfig(String host, int port, String user, String password, long serverId, long domainId,
    String fileBaseName, long rotateAt) {

  public BinlogServerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("binlog server: port must be 0-65535, got " + port);
    }
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("binlog server: a replication user is required");
    }
    if (serverId <= 0 || serverId > 0xffffffffL) {
      throw new IllegalArgumentException("binlog server: server id must be 1-4294967295, got " + serverId);
    }
    if (rotateAt < 4096 || rotateAt > 0xF000_0000L) {
      throw new IllegalArgumentException("binlog server: rotateAt must be 4 KiB - 3.75 GiB, got " + rotateAt);
    }
  }

  public static BinlogServerConfig of(int port, String user, String password, long serverId) {
    return new BinlogServerConfig("127.0.0.1", port, user, password, serverId, 0, "paxosql-bin", 1L << 30);
  }
}
