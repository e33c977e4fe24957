package io.paxosql.config;

/**
 * The admin port's exposure. {@code bind} is the address it listens on (null: this node's own host from
 * the member list). Mutating routes always need the bearer token; {@code protectReads} makes the
 * read-only routes need it too. {@code maxConnections} and {@code idleTimeoutSeconds} bound what
 * clients that hold connections open can take from the node.
 */
public record AdminConfig(String bind, boolean protectReads, int maxConnections, long idleTimeoutSeconds) {
  public static final AdminConfig DEFAULTS = new AdminConfig(null, false, 64, 60);
}
