package io.paxosql.config;

import java.nio.file.Path;

/**
 * Where a node keeps its secrets: files in its data dir, mode 0600, generated at its first start. Named
 * here so the node, the command line and the docs agree on them.
 */
public final class SecretNames {
  /** The bearer token the admin port asks for on mutating routes. */
  public static final String ADMIN_TOKEN = "admin-token";
  /** The password of the node's own MariaDB root accounts (per node, never replicated). */
  public static final String ROOT_PASSWORD = "mariadb-root-password";
  /** The password of the replication account the capture and the local replica use (per node). */
  public static final String REPLICATION_PASSWORD = "replication-password";

  private SecretNames() {}

  public static Path adminToken(Path dataDir) {
    return dataDir.resolve(ADMIN_TOKEN);
  }

  public static Path rootPassword(Path dataDir) {
    return dataDir.resolve(ROOT_PASSWORD);
  }

  public static Path replicationPassword(Path dataDir) {
    return dataDir.resolve(REPLICATION_PASSWORD);
  }
}
