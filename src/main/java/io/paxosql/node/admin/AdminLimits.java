package io.paxosql.node.admin;

/** How many connections the admin port keeps open at most, and how long an idle one stays. */
public record AdminLimits(int maxConnections, long idleTimeoutSeconds) {
  public static final AdminLimits DEFAULT = new AdminLimits(64, 60);

  public AdminLimits {
    if (maxConnections < 1 || idleTimeoutSeconds < 1) {
      throw new IllegalArgumentException("admin limits must be positive: " + maxConnections + " connections, "
          + idleTimeoutSeconds + " s idle");
    }
  }
}
