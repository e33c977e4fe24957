package io.paxosql.binlog.capture;

import io.paxosql.binlog.GtidState;

/**
 * Where and as whom the capture connects, and from which GTID position it starts.
 *
 * @param serverId the server id the capture registers with; must differ from every MariaDB's
 * @param heartbeatMillis the heartbeat period asked of the master; silence for 3 periods drops the connection
 */
public record CaptureConfig(String host, int port, String user, String password, long serverId,
    long heartbeatMillis, long reconnectDelayMillis, GtidState start) {

  public CaptureConfig {
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("capture: master port must be 1-65535, got " + port);
    }
    if (serverId <= 0 || serverId > 0xffffffffL) {
      throw new IllegalArgumentException("capture: server id must be 1-4294967295, got " + serverId);
    }
    if (heartbeatMillis <= 0 || reconnectDelayMillis <= 0) {
      throw new IllegalArgumentException("capture: heartbeat and reconnect delay must be positive");
    }
  }

  public static CaptureConfig of(String host, int port, String user, String password, long serverId, GtidState start) {
    return new CaptureConfig(host, port, user, password, serverId, 1000, 500, start);
  }
}
