package io.paxosql.config;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The {@code log:} section: how much Paxos log a node keeps. A node always keeps what it still needs itself
 * (everything after its chain checkpoint, which its MariaDB has applied); beyond that it keeps what a lagging
 * member still lacks, up to these bounds. A member that falls further behind is rebuilt from a backup.
 *
 * @param retainBytes     bytes of log kept for lagging members (default 1 GiB)
 * @param retainAge       age of log kept for lagging members (default 7 days; written {@code 7d}, {@code 12h},
 *                        {@code 30m} or a number of seconds)
 * @param checkpointEvery chosen instances between chain checkpoints (default 50,000): what a restart replays
 *                        at most, beyond what the database lags
 * @param checkpointBytes bytes of chosen values between chain checkpoints, if reached before
 *                        {@code checkpointEvery} (default {@code retainBytes / 8}, see {@link #defaultCheckpointBytes})
 */
public record LogSettings(long retainBytes, Duration retainAge, long checkpointEvery, long checkpointBytes) {
  public static final LogSettings DEFAULTS = new LogSettings(1L << 30, Duration.ofDays(7), 50_000);
  /** The smallest {@code log.checkpointBytes}: below it a node would write its checkpoint file for every value. */
  static final long MIN_CHECKPOINT_BYTES = 64L << 10;

  /** With the default {@code checkpointBytes} for {@code retainBytes}. */
  public LogSettings(long retainBytes, Duration retainAge, long checkpointEvery) {
    this(retainBytes, retainAge, checkpointEvery, defaultCheckpointBytes(retainBytes));
  }

  /**
   * {@code retainBytes / 8}. Retention never deletes at or after the node's persisted chain checkpoint, so the
   * log holds at least what was chosen since it; that checkpoint trails the newest candidate by up to one
   * interval (the database must apply it, and it is written every few seconds). Each value is on disk about
   * twice (its Accepted and its Chosen record), so an interval of retainBytes/8 of values is about
   * retainBytes/4 of log and the part retention cannot touch stays near retainBytes/2: within the bound, so
   * whole-file retention keeps the log under retainBytes plus one roll file. Smaller would write the
   * checkpoint file more often for nothing (with the 1 GiB default it is every 128 MiB of values).
   */
  public static long defaultCheckpointBytes(long retainBytes) {
    return Math.max(MIN_CHECKPOINT_BYTES, retainBytes / 8);
  }

  /** Reads the section; every problem goes to {@code r}'s list with its key. */
  static LogSettings read(ConfigReader root) {
    ConfigReader l = root.section("log", false);
    long bytes = l.integer("retainBytes", DEFAULTS.retainBytes(), 1L << 20, 1L << 50);
    String age = l.string("retainAge", "7d", DURATION, "a duration such as 7d, 12h, 30m or a number of seconds (at least 60)");
    long every = l.integer("checkpointEvery", DEFAULTS.checkpointEvery(), 100, 100_000_000);
    long cpBytes = l.integer("checkpointBytes", defaultCheckpointBytes(bytes), MIN_CHECKPOINT_BYTES, 1L << 50);
    if (cpBytes > bytes / 2) {
      l.problem("checkpointBytes", cpBytes + " is more than half of log.retainBytes (" + bytes + "): the log keeps "
          + "everything since the newest chain checkpoint, so it could not stay near log.retainBytes; set it to at "
          + "most " + bytes / 2 + ", or remove it for the default (retainBytes / 8 = " + defaultCheckpointBytes(bytes)
          + ")");
      cpBytes = defaultCheckpointBytes(bytes);
    }
    Duration d = parseDuration(age);
    if (d == null || d.toSeconds() < 60) {
      l.problem("retainAge", "expected at least 60 seconds, got " + age);
      d = DEFAULTS.retainAge();
    }
    return new LogSettings(bytes, d, every, cpBytes);
  }

  /** A duration as config keys write it: a number of days, hours, minutes or seconds (7d, 12h, 30m, 90). */
  static final Pattern DURATION = Pattern.compile("[0-9]{1,9}[smhd]?");

  /** {@code text} in the {@link #DURATION} form, or null when it is not. */
  static Duration parseDuration(String text) {
    if (text == null || !DURATION.matcher(text).matches()) {
      return null;
    }
    char unit = text.charAt(text.length() - 1);
    long n = Long.parseLong(Character.isDigit(unit) ? text : text.substring(0, text.length() - 1));
    return switch (unit) {
      case 'd' -> Duration.ofDays(n);
      case 'h' -> Duration.ofHours(n);
      case 'm' -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }
}
