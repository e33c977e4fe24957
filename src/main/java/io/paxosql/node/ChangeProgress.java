package io.paxosql.node;

import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * Where one membership command stands, as {@code GET /members/progress} reports it. While a joiner catches
 * up, bytes count the Paxos log it replayed since the command began, and the total adds what it still lacks
 * (instances behind the master times the master's average bytes per retained instance): log files are
 * preallocated, so their sizes on disk say nothing about it. Immutable; the command replaces it at each step.
 *
 * @param operation   what was asked, e.g. "add-member 4"
 * @param phase       checking, announcing, catching-up, voting, following, removing, done, failed
 * @param fromInstance the joiner's log end when catching up began, or -1 before the first sample
 * @param bytes       bytes of the Paxos log the joiner replayed since the command began (estimated)
 * @param totalBytes  {@code bytes} plus what it still lacks
 * @param rateBytesPerSec how fast {@code bytes} grew lately
 * @param error       why it failed (and what was rolled back), or empty
 */
record ChangeProgress(String operation, String phase, long startedAtMs, long fromInstance, long bytes,
    long totalBytes, double rateBytesPerSec, long joinerBehindInstances, String message, String error) {

  static ChangeProgress start(String operation, long nowMs) {
    return new ChangeProgress(operation, "checking", nowMs, -1, 0, 0, 0, 0, "checking the request", "");
  }

  boolean finished() {
    return "done".equals(phase) || "failed".equals(phase);
  }

  ChangeProgress phase(String p, String msg) {
    return new ChangeProgress(operation, p, startedAtMs, fromInstance, bytes, totalBytes, rateBytesPerSec,
        joinerBehindInstances, msg, error);
  }

  ChangeProgress failed(String why) {
    return new ChangeProgress(operation, "failed", startedAtMs, fromInstance, bytes, totalBytes, rateBytesPerSec,
        joinerBehindInstances, message, why);
  }

  /**
   * A new sample: the joiner's log ends at {@code joinerBelow}, the master's at {@code masterBelow}, and the
   * master's retained log averages {@code bytesPerInstance}. The rate is smoothed over the last few samples.
   */
  ChangeProgress sample(long joinerBelow, long masterBelow, double bytesPerInstance, double seconds) {
    long from = fromInstance < 0 ? joinerBelow : Math.min(fromInstance, joinerBelow);
    long behind = Math.max(0, masterBelow - joinerBelow);
    long done = Math.round((joinerBelow - from) * bytesPerInstance);
    long total = done + Math.round(behind * bytesPerInstance);
    double r = rateBytesPerSec;
    if (seconds > 0 && done >= bytes) {
      double latest = (done - bytes) / seconds;
      r = r == 0 ? latest : 0.7 * r + 0.3 * latest;
    }
    return new ChangeProgress(operation, phase, startedAtMs, from, done, total, r, behind, message, error);
  }

  /** Percent of the replay done, or -1 before anything is known. */
  double percent() {
    return totalBytes <= 0 ? (joinerBehindInstances == 0 && fromInstance >= 0 ? 100 : -1)
        : Math.min(100.0, 100.0 * bytes / totalBytes);
  }

  /** Seconds until the joiner holds the master's log at the current rate, or -1 when unknown. */
  long etaSeconds() {
    if (totalBytes > 0 && bytes >= totalBytes) {
      return 0;
    }
    if (rateBytesPerSec <= 0) {
      return -1;
    }
    return (long) Math.ceil(Math.max(0, totalBytes - bytes) / rateBytesPerSec);
  }

  /** One line for logs and the CLI: percent, MB of MB, MB/s, ETA, instances behind. */
  String describe() {
    double pct = percent();
    long eta = etaSeconds();
    return String.format(Locale.ROOT, "%s %.1f of %.1f MB, %.1f MB/s, ETA %s, %d instances behind",
        pct < 0 ? "?%" : String.format(Locale.ROOT, "%.0f%%", pct), bytes / 1e6, totalBytes / 1e6,
        rateBytesPerSec / 1e6, eta < 0 ? "unknown" : eta + " s", joinerBehindInstances);
  }

  JsonObject toJson(long nowMs) {
    double pct = percent();
    return new JsonObject().put("operation", operation).put("phase", phase).put("done", "done".equals(phase))
        .put("failed", "failed".equals(phase)).put("elapsedMs", nowMs - startedAtMs).put("bytes", bytes)
        .put("totalBytes", totalBytes).put("percent", pct < 0 ? null : Math.round(pct * 10) / 10.0)
        .put("rateBytesPerSec", Math.round(rateBytesPerSec))
        .put("etaSeconds", etaSeconds()).put("joinerBehindInstances", joinerBehindInstances)
        .put("message", message).put("error", error);
  }
}
