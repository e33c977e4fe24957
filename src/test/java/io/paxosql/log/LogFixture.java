package io.paxosql.log;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

/** Opens logs in temp dirs with a hand-driven clock and secondly roll files, and waits for writes. */
final class LogFixture {
  final SetTimeProvider clock = new SetTimeProvider(1_800_000_000_000L * 1_000_000L);
  final AtomicReference<Throwable> fatal = new AtomicReference<>();

  LogConfig config(Path dir) {
    return LogConfig.defaults(dir).withRollCycle(TestRollCycles.TEST_SECONDLY, clock)
        .withRetention(0, Duration.ZERO);
  }

  PaxosLog open(LogConfig cfg) {
    return PaxosLog.open(cfg, Runnable::run, fatal::set);
  }

  /** Opens the log, lets {@code writes} fill it, closes it; returns where entry {@code instance} is ("file@offset"). */
  String writeAndLocate(LogConfig cfg, Consumer<PaxosLog> writes, long instance) {
    try (PaxosLog log = open(cfg)) {
      writes.accept(log);
      return log.locate(instance);
    }
  }

  static void persist(PaxosLog log, List<LogRecord> records) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    log.persist(records, () -> done.complete(null));
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("persist did not complete", e);
    }
  }

  static byte[] value(long instance, int size) {
    byte[] v = new byte[size];
    for (int i = 0; i < size; i++) {
      v[i] = (byte) (instance * 31 + i);
    }
    return v;
  }

  /** Chosen values [from, to), written in groups of {@code group}. */
  static void chosen(PaxosLog log, long from, long to, int size, int group) {
    for (long i = from; i < to; ) {
      List<LogRecord> batch = new ArrayList<>();
      for (int k = 0; k < group && i < to; k++, i++) {
        batch.add(new LogRecord.Chosen(i, value(i, size)));
      }
      persist(log, batch);
    }
  }

  static List<LogRecord.Chosen> readAll(PaxosLog log, long from) {
    List<LogRecord.Chosen> out = new ArrayList<>();
    long next = from;
    while (true) {
      ReadResult r = log.read(next, 10_000, 1 << 24).join();
      if (r.snapshotNeeded()) {
        throw new AssertionError("snapshot needed at " + next);
      }
      if (r.values().isEmpty()) {
        if (next < r.chosenBelow()) {
          throw new AssertionError("read nothing at " + next + " though the log holds values below " + r.chosenBelow());
        }
        return out;
      }
      out.addAll(r.values());
      next = r.values().get(r.values().size() - 1).instance() + 1;
    }
  }
}
