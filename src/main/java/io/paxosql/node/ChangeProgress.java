package io.paxosql.node;

import io.vertx.core.json.JsonObject;

/**
 * Where one membership command stands, as {@code GET /members/progress} reports it. Bytes are the
 * joiner's Paxos log against the master's: a joiner replays the log from its start. Immutable; the
 * command replaces it at each step.
 *
 * @param operation   what was asked, e.g. "add-member 4"
 * @param phase       checking, announcing, catching-up, voting, following, removing, done, failed
 * @param bytes       bytes of the Paxos log the joiner holds
 * @param totalBytes  bytes of the master's Paxos log
 * @param rateBytesPerSec how fast {@code bytes} grew lately
 * @param error       why it failed (and what was rolled back), or empty
 */
record ChangeProgress(String operation, String phase, long startedAtMs, long bytes, long totalBytes,
    double rateBytesPerSec, long joinerBehindInstances, String message, String error) {

  static ChangeProgress start(String operation, long nowMs) {
    return new ChangeProgress(operation, "checking", nowMs, 0, 0, 0, 0, "checking the request", "");
  }

  boolean finished() {
    return "done".equals(phase) || "failed".equals(phase);
  }

  ChangeProgress phase(String p, String msg) {
    return new ChangeProgress(operation, p, startedAtMs, bytes, totalBytes, rateBytesPerSec, joinerBehindInstances,
        msg, error);
  }

  ChangeProgress failed(String why) {
    return new ChangeProgress(operation, "failed", startedAtMs, bytes, totalBytes, rateBytesPerSec,
        joinerBehindInstances, message, why);
  }

  /** A new sample of the joiner's log size; the rate is smoothed over the last few samples. */
  ChangeProgress sample(long nowBytes, long total, long behind, double seconds) {
    double r = rateBytesPerSec;
    if (seconds > 0 && nowBytes >= bytes) {
      double latest = (nowBytes - bytes) / seconds;
      r = r == 0 ? latest : 0.7 * r + 0.3 * latest;
    }
    return new ChangeProgress(operation, phase, startedAtMs, nowBytes, total, r, behind, message, error);
  }

  /** Seconds until the joiner holds the master's log at the current rate, or -1 when unknown. */
  long etaSeconds() {
    if (rateBytesPerSec <= 0) {
      return -1;
    }
    return (long) Math.ceil(Math.max(0, totalBytes - bytes) / rateBytesPerSec);
  }

  JsonObject toJson(long nowMs) {
    return new JsonObject().put("operation", operation).put("phase", phase).put("done", "done".equals(phase))
        .put("failed", "failed".equals(phase)).put("elapsedMs", nowMs - startedAtMs).put("bytes", bytes)
        .put("totalBytes", totalBytes).put("rateBytesPerSec", Math.round(rateBytesPerSec))
        .put("etaSeconds", etaSeconds()).put("joinerBehindInstances", joinerBehindInstances)
        .put("message", message).put("error", error);
  }
}
