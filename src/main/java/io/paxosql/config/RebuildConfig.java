package io.paxosql.config;

import java.time.Duration;

/**
 * Seeding and rebuilding this node's MariaDB from a member's backup (keys under {@code mariadb}).
 *
 * @param autoRebuild {@code mariadb.autoRebuild}: rebuild by itself when diverged, wiped, or outside
 *     the log's retention window (default true); when false the node only reports and waits for
 *     {@code admin rebuild}
 * @param backupThrottle {@code mariadb.backupThrottle}: as a donor, at most this many 10 MB chunks a
 *     second (mariadb-backup --throttle); 0, the default, is unlimited
 * @param donorHoldTimeout {@code mariadb.donorHoldTimeout}: as a donor, how long after a backup's stream
 *     ended this node keeps its Paxos log for that joiner when the joiner never says it caught up (it died,
 *     or gave up on the backup). Generous by default (2 hours), because the joiner still prepares the backup
 *     (minutes for a big one), starts MariaDB and replays everything chosen since; it only bounds how long a
 *     joiner that is gone pins this node's log. Written like {@code log.retainAge}: {@code 2h}, {@code 90m},
 *     or seconds; from 1 minute to 7 days
 */
public record RebuildConfig(boolean autoRebuild, int backupThrottle, Duration donorHoldTimeout) {
  /** The bounds of {@code mariadb.donorHoldTimeout}. */
  public static final Duration MIN_DONOR_HOLD = Duration.ofMinutes(1);
  public static final Duration MAX_DONOR_HOLD = Duration.ofDays(7);
  public static final RebuildConfig DEFAULTS = new RebuildConfig(true, 0, Duration.ofHours(2));

  /** Reads the keys from the {@code mariadb} section; every problem goes to {@code m}'s list with its key. */
  static RebuildConfig read(ConfigReader m) {
    boolean auto = m.bool("autoRebuild", DEFAULTS.autoRebuild());
    int throttle = m.integer("backupThrottle", (long) DEFAULTS.backupThrottle(), 0, 100_000).intValue();
    String text = m.string("donorHoldTimeout", "2h", LogSettings.DURATION,
        "a duration such as 2h, 90m or a number of seconds, from 1m to 7d");
    // A text not in that form was reported by the reader, which then answered the default.
    Duration hold = LogSettings.parseDuration(text);
    if (hold.compareTo(MIN_DONOR_HOLD) < 0 || hold.compareTo(MAX_DONOR_HOLD) > 0) {
      m.problem("donorHoldTimeout", "expected from 1m to 7d, got " + text + ": a donor keeps its log this long for "
          + "a joiner that never says it caught up; shorter may delete log a slow joiner still replays, longer pins "
          + "the donor's disk for a joiner that is gone");
      hold = DEFAULTS.donorHoldTimeout();
    }
    return new RebuildConfig(auto, throttle, hold);
  }
}
