package io.paxosql.log;

import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;

/**
 * The time Chronicle rolls files by: the configured clock, moved forward to the start of the next cycle
 * whenever the writer wants a new file because the current one is full ({@link LogConfig.Bounds#rollBytes}).
 * Chronicle rolls only by time; jumping this clock is how a size bound becomes a roll. It only ever moves
 * forward, and on open it is set at or after the newest file's cycle, so Chronicle never appends to an older
 * file. File ages for retention are taken from the files themselves, not from this clock.
 */
final class RollClock implements TimeProvider {
  private final TimeProvider base;
  private volatile long cycleMillis;
  private volatile long offsetMillis;

  RollClock(TimeProvider base, RollCycle cycle) {
    this.base = base;
    this.cycleMillis = cycle.lengthInMillis();
  }

  /** The cycle the queue really uses: an existing log keeps the one it was created with. */
  void useCycle(RollCycle cycle) {
    this.cycleMillis = cycle.lengthInMillis();
  }

  @Override
  public long currentTimeMillis() {
    return base.currentTimeMillis() + offsetMillis;
  }

  @Override
  public long currentTimeMicros() {
    return base.currentTimeMicros() + offsetMillis * 1_000;
  }

  @Override
  public long currentTimeNanos() {
    return base.currentTimeNanos() + offsetMillis * 1_000_000;
  }

  /** Moves the clock to the start of cycle {@code cycle} unless it is there or later already. */
  synchronized void atLeastCycle(int cycle) {
    long start = cycle * cycleMillis;
    long now = currentTimeMillis();
    if (now < start) {
      offsetMillis += start - now;
    }
  }
}
