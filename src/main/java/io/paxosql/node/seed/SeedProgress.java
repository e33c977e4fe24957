package io.paxosql.node.seed;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Progress of this node's current or last seed: phase, bytes, rate and ETA. Written by the threads
 * that stream and read by status, metrics and logs; every method is synchronized (a few calls a second).
 */
public final class SeedProgress {
  private SeedPhase phase = SeedPhase.IDLE;
  private int donor = -1;
  private String reason = "";
  private long expectedBytes;
  private long bytes;
  private long startNanos;
  private long streamEndNanos;
  private String lastError = "";
  private String gtid = "";
  private String movedAside = "";
  /** The last few failures, newest last: a retry's success does not hide why earlier attempts failed. */
  private final Deque<String> errors = new ArrayDeque<>();

  /** A new attempt begins: counters restart, the last error stays until this one ends. */
  public synchronized void begin(String reason, long nowNanos) {
    this.reason = reason;
    this.phase = SeedPhase.CHOOSING_DONOR;
    this.donor = -1;
    this.expectedBytes = 0;
    this.bytes = 0;
    this.startNanos = nowNanos;
    this.streamEndNanos = 0;
    this.gtid = "";
  }

  /**
   * After a restart, a node whose MariaDB runs from a backup it had not caught up from yet: catching up again
   * (no stream this time; the backup came from {@code donor} at {@code gtid}).
   */
  public synchronized void resumed(int donor, String gtid, String reason, long nowNanos) {
    begin(reason, nowNanos);
    this.donor = donor;
    this.gtid = gtid;
    this.phase = SeedPhase.CATCHING_UP;
  }

  public synchronized void streaming(int donor, long expectedBytes, long nowNanos) {
    this.phase = SeedPhase.STREAMING;
    this.donor = donor;
    this.expectedBytes = expectedBytes;
    this.bytes = 0;
    this.startNanos = nowNanos;
  }

  public synchronized void add(long n) {
    bytes += n;
  }

  public synchronized void phase(SeedPhase next, long nowNanos) {
    if (phase == SeedPhase.STREAMING && next != SeedPhase.STREAMING) {
      streamEndNanos = nowNanos;
    }
    phase = next;
  }

  public synchronized void gtid(String gtid) {
    this.gtid = gtid;
  }

  public synchronized void movedAside(String path) {
    this.movedAside = path;
  }

  public synchronized void failed(String error, long nowNanos) {
    phase(SeedPhase.FAILED, nowNanos);
    lastError = error;
    errors.addLast(error);
    while (errors.size() > 5) {
      errors.removeFirst();
    }
  }

  public synchronized SeedPhase phase() {
    return phase;
  }

  public synchronized long bytes() {
    return bytes;
  }

  public synchronized String lastError() {
    return lastError;
  }

  /** The last five failures, oldest first. */
  public synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  /** Percent of the expected bytes streamed (0..100); 100 once past streaming. */
  public synchronized double percent() {
    if (phase.ordinal() > SeedPhase.STREAMING.ordinal() && phase != SeedPhase.FAILED) {
      return 100;
    }
    return expectedBytes <= 0 ? 0 : Math.min(100, 100.0 * bytes / expectedBytes);
  }

  /** Stream rate in MB/s (10^6 bytes) since streaming began, up to its end. */
  public synchronized double mbPerSecond(long nowNanos) {
    long end = streamEndNanos > 0 ? streamEndNanos : nowNanos;
    double seconds = (end - startNanos) / 1e9;
    return phase.ordinal() < SeedPhase.STREAMING.ordinal() || seconds <= 0 ? 0 : bytes / 1e6 / seconds;
  }

  /** Seconds until the stream ends at the current rate; -1 when unknown or not streaming. */
  public synchronized long etaSeconds(long nowNanos) {
    double rate = mbPerSecond(nowNanos) * 1e6;
    if (phase != SeedPhase.STREAMING || rate <= 0 || expectedBytes <= 0) {
      return -1;
    }
    return (long) Math.ceil(Math.max(0, expectedBytes - bytes) / rate);
  }

  /** One log line. */
  public synchronized String describe(long nowNanos) {
    return String.format(Locale.ROOT, "%s (peer node %d): %.0f%% (%d of ~%d MB) at %.1f MB/s, ETA %s", phase, donor,
        percent(), bytes / 1_000_000, expectedBytes / 1_000_000, mbPerSecond(nowNanos),
        etaSeconds(nowNanos) < 0 ? "-" : etaSeconds(nowNanos) + " s");
  }

  public synchronized JsonObject toJson(long nowNanos) {
    return new JsonObject().put("phase", phase.name()).put("donor", donor).put("reason", reason)
        .put("bytes", bytes).put("expectedBytes", expectedBytes)
        .put("percent", Math.round(percent() * 10) / 10.0)
        .put("mbPerSecond", Math.round(mbPerSecond(nowNanos) * 10) / 10.0)
        .put("etaSeconds", etaSeconds(nowNanos)).put("gtid", gtid).put("movedAside", movedAside)
        .put("lastError", lastError).put("errors", new JsonArray(List.copyOf(errors)));
  }
}
