package io.paxosql.config;

/**
 * Seeding and rebuilding this node's MariaDB from a member's backup (keys under {@code mariadb}).
 *
 * @param autoRebuild {@code mariadb.autoRebuild}: rebuild by itself when diverged, wiped, or outside
 *     the log's retention window (default true); when false the node only reports and waits for
 *     {@code admin rebuild}
 * @param backupThrottle {@code mariadb.backupThrottle}: as a donor, at most this many 10 MB chunks a
 *     second (mariadb-backup --throttle); 0, the default, is unlimited
 */
public record RebuildConfig(boolean autoRebuild, int backupThrottle) {
  public static final RebuildConfig DEFAULTS = new RebuildConfig(true, 0);
}
