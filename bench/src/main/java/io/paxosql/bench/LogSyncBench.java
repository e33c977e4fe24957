package io.paxosql.bench;

import io.paxosql.log.LogConfig;
import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * One log, one writer: persist an Accepted and a Chosen record of {@code size} bytes, wait until durable,
 * repeat; prints the latency for every {@code window} values as the roll file grows. Shows how the cost of
 * a sync depends on how much the file already holds. Args: {@code [value bytes] [windows] [window]
 * [FDATASYNC|MSYNC|NONE] [random|normal]}: the last chooses whether the mapping is advised MADV_RANDOM (the
 * default) or left to the kernel's read-ahead, to measure what the advice saves.
 */
public final class LogSyncBench {
  private LogSyncBench() {}

  /**
   * Bytes this process caused to be written to disk so far ({@code write_bytes} of /proc/self/io; -1 if
   * unreadable). The kernel counts a whole page-cache folio when a write through the map dirties it, so this
   * shows how much each sync must write back, independent of how busy the shared disk is.
   */
  private static long writeBytes() throws IOException {
    Path io = Path.of("/proc/self/io");
    if (!Files.isReadable(io)) {
      return -1;
    }
    for (String line : Files.readAllLines(io)) {
      if (line.startsWith("write_bytes:")) {
        return Long.parseLong(line.substring("write_bytes:".length()).trim());
      }
    }
    return -1;
  }

  public static void main(String[] args) throws Exception {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
    int windows = args.length > 1 ? Integer.parseInt(args[1]) : 12;
    int window = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    LogConfig.SyncMethod sync = args.length > 3 ? LogConfig.SyncMethod.valueOf(args[3]) : LogConfig.SyncMethod.FDATASYNC;
    boolean advise = args.length <= 4 || !"normal".equals(args[4]);
    Path dir = Files.createTempDirectory("log-sync-bench");
    byte[] value = new byte[size];
    Arrays.fill(value, (byte) 7);
    try (PaxosLog log = PaxosLog.open(LogConfig.defaults(dir).withSync(sync).withAdviseRandom(advise), Runnable::run, Throwable::printStackTrace)) {
      long instance = 0;
      long bytes = 0;
      System.out.printf("%-12s %10s %10s %16s%n", "file MB", "p50 ms", "p99 ms", "dirtied KB/value");
      long written = writeBytes();
      for (int w = 0; w < windows; w++) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        for (int k = 0; k < window; k++, instance++) {
          CompletableFuture<Void> durable = new CompletableFuture<>();
          long t0 = System.nanoTime();
          log.persist(List.of(new LogRecord.Accepted(instance, 1, 1, value), new LogRecord.Chosen(instance, value)),
              () -> durable.complete(null));
          durable.get(30, TimeUnit.SECONDS);
          h.recordValue(System.nanoTime() - t0);
          bytes += 2L * size;
        }
        long nowWritten = writeBytes();
        System.out.printf("%-12d %10.3f %10.3f %16d%n", bytes >> 20, h.getValueAtPercentile(50) / 1e6,
            h.getValueAtPercentile(99) / 1e6, (nowWritten - written) / window / 1024);
        written = nowWritten;
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
