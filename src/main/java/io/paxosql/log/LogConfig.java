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
 * @param retainAge       and never deletes a file written to within this long
 * @param registry        where fsync latency and group sizes are reported
 */
public record LogConfig(Path dir, long firstInstance, RollCycle rollCycle, TimeProvider clock, SyncMethod sync,
                        long retainEntries, Duration retainAge, MeterRegistry registry) {

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
    if (rollCycle == null || clock == null || sync == null || registry == null) {
      throw new IllegalArgumentException("rollCycle, clock, sync and registry are required");
    }
  }

  /** Hourly files, fdatasync, keep 100,000 entries and one hour. */
  public static LogConfig defaults(Path dir) {
    return new LogConfig(dir, 0, RollCycles.FAST_HOURLY, SystemTimeProvider.INSTANCE, SyncMethod.FDATASYNC,
        100_000, Duration.ofHours(1), new SimpleMeterRegistry());
  }

  public LogConfig withFirstInstance(long first) {
    return new LogConfig(dir, first, rollCycle, clock, sync, retainEntries, retainAge, registry);
  }

  public LogConfig withRollCycle(RollCycle cycle, TimeProvider time) {
    return new LogConfig(dir, firstInstance, cycle, time, sync, retainEntries, retainAge, registry);
  }

  public LogConfig withSync(SyncMethod method) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, method, retainEntries, retainAge, registry);
  }

  public LogConfig withRetention(long entries, Duration age) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, sync, entries, age, registry);
  }

  public LogConfig withRegistry(MeterRegistry r) {
    return new LogConfig(dir, firstInstance, rollCycle, clock, sync, retainEntries, retainAge, r);
  }

  public LogConfig withDir(Path d) {
    return new LogConfig(d, firstInstance, rollCycle, clock, sync, retainEntries, retainAge, registry);
  }
}
