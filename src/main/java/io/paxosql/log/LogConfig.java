package io.paxosql.log;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;

/**
 * Settings of one node's log.
 *
 * @param dir             the Chronicle Queue directory (created if missing)
 * @param firstInstance   the instance id of the first value ever chosen in this cluster (a test hook sets it
 *                        near 2^31 or 2^32); ignored once the log holds entries
 * @param rollCycle       how often Chronicle starts a new file; retention deletes whole files
 * @param clock           wall clock for roll files and the age margin (tests drive it by hand)
 * @param sync            how "persisted" is made durable
 * @param retainEntries   retention keeps at least this many chosen values below the slowest member
 * @param retainAge       and never deletes a file written to within this long (for what members applied)
 * @param registry        where fsync latency and group sizes are reported
 * @param bounds          the most the log holds for members that lag, and when it starts a new file
 * @param adviseRandom    advise the kernel that the roll file's mapping is read at random (no read-ahead), so
 *                        its page cache stays in small pages and a sync writes back only what was appended
 *                        (see {@link MappingAdvice}); off only to measure what it saves
 * @param syncFault       runs before each group's sync: {@link SyncFault#NONE} on a node, a slow or failing
 *                        disk in tests
 */
public record LogConfig(Path dir, long firstInstance, RollCycle rollCycle, TimeProvider clock, SyncMethod sync,
                        long retainEntries, Duration retainAge, MeterRegistry registry, Bounds bounds,
                        boolean adviseRandom, SyncFault syncFault) {

  /**
   * The window a lagging member may hold the log to, and the roll size.
   *
   * @param retainBytes   beyond these bytes of roll files, a member that has not applied them no longer holds
   *                      them (it will need a rebuild); this node's own floor always holds ({@link PaxosLog#retain})
   * @param retainMaxAge  likewise for files last written longer ago than this
   * @param rollBytes     a new roll file is started once the current one holds this many bytes (0: by time only),
   *                      so retention, which deletes whole files, can keep the log near {@code retainBytes}
   */
  public record Bounds(long retainBytes, Duration retainMaxAge, long rollBytes) {
    public static final Bounds NONE = new Bounds(Long.MAX_VALUE, Duration.ofDays(365_000), 0);

    public Bounds {
      if (retainBytes <= 0 || rollBytes < 0) {
        throw new IllegalArgumentException("retainBytes must be > 0 and rollBytes >= 0, got " + retainBytes + " and "
            + rollBytes);
      }
      if (retainMaxAge == null || retainMaxAge.isNegative() || retainMaxAge.isZero()) {
        throw new IllegalArgumentException("retainMaxAge must be a positive duration, got " + retainMaxAge);
      }
    }
  }

  /** How the writer makes a group of appended records durable before reporting them persisted. */
  public enum SyncMethod {
    /** fdatasync of the roll file through a FileChannel: a failure surfaces as an IOException. */
    FDATASYNC,
    /** Chronicle's own msync(MS_SYNC) via {@code SyncMode.SYNC} + {@code sync()}; a failure is only logged. */
    MSYNC,
    /** No sync at all: for measuring the cost of durability only, never for a real node. */
    NONE
  }

  public LogConfig {
    if (dir == null) {
      throw new IllegalArgumentException("log dir is missing; set the node's data directory");
    }
    if (firstInstance < 0) {
      throw new IllegalArgumentException("firstInstance must be >= 0, got " + firstInstance);
    }
    if (retainEntries < 0) {
      throw new IllegalArgumentException("retainEntries must be >= 0, got " + retainEntries);
    }
    if (retainAge == null || retainAge.isNegative()) {
      throw new IllegalArgumentException("retainAge must be a non-negative duration, got " + retainAge);
    }
    if (rollCycle == null || clock == null || sync == null || registry == null || bounds == null || syncFault == null) {
      throw new IllegalArgumentException("rollCycle, clock, sync, registry, bounds and syncFault are required");
    }
  }

  /** Hourly files, fdatasync, keep 100,000 entries and one hour. */
  public static LogConfig defaults(Path dir) {
    return new LogConfig(dir, 0, RollCycles.FAST_HOURLY, SystemTimeProvider.INSTANCE, SyncMethod.FDATASYNC,
        100_000, Duration.ofHours(1), new SimpleMeterRegistry(), Bounds.NONE, true,
        SyncFault.NONE);
  }

  public LogConfig withFirstInstance(long first) {
    return new LogConfig(dir, first, rollCycle, clock, sync, retainEntries, retainAge, registry, bounds,
        adviseRandom, syncFault);
  }

  public LogConfig withRollCycle(RollCycle cycle, TimeProvider time) {
    return new LogConfig(dir, firstInstance, cycle, time, sync, retainEntries, retainAge, registry, bounds,
        adviseRandom, syncFault);
  }

  public LogConfig withSync(SyncMethod method) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, method, retainEntries, retainAge, registry, bounds,
        adviseRandom, syncFault);
  }

  public LogConfig withRetention(long entries, Duration age) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, sync, entries, age, registry, bounds,
        adviseRandom, syncFault);
  }

  public LogConfig withRegistry(MeterRegistry r) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, sync, retainEntries, retainAge, r, bounds,
        adviseRandom, syncFault);
  }

  public LogConfig withDir(Path d) {
    return new LogConfig(d, firstInstance, rollCycle, clock, sync, retainEntries, retainAge, registry, bounds,
        adviseRandom, syncFault);
  }

  public LogConfig withAdviseRandom(boolean advise) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, sync, retainEntries, retainAge, registry, bounds,
        advise, syncFault);
  }

  public LogConfig withSyncFault(SyncFault fault) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, sync, retainEntries, retainAge, registry, bounds,
        adviseRandom, fault);
  }

  public LogConfig withBounds(Bounds b) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, sync, retainEntries, retainAge, registry, b,
        adviseRandom, syncFault);
  }
}
