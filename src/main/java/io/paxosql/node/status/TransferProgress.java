package io.paxosql.node.status;

import io.vertx.core.json.JsonObject;

/**
 * How far a copy of a MariaDB data directory onto this node has come (seeding a new member, rebuilding
 * a diverged one), as the node card shows it. Set by the part that runs the copy through
 * {@link ProgressBoard}; the JSON field {@code transfer} of {@code /local} is absent when none runs.
 *
 * @param activity       what runs, as the operator would name it: "seeding", "rebuild", "backup"
 * @param source         where the data comes from, e.g. "node 2"
 * @param doneBytes      bytes copied so far
 * @param totalBytes     bytes expected in all, or -1 while unknown
 * @param bytesPerSecond recent copy rate
 */
public record TransferProgress(String activity, String source, long doneBytes, long totalBytes, double bytesPerSecond) {

  /** Percent done, or NaN while the total is unknown. */
  public double percent() {
    return totalBytes <= 0 ? Double.NaN : Math.min(100.0, 100.0 * doneBytes / totalBytes);
  }

  /** Seconds left at the recent rate, or -1 when the total or the rate is unknown. */
  public long etaSeconds() {
    if (totalBytes <= 0 || bytesPerSecond <= 0) {
      return -1;
    }
    return (long) Math.ceil(Math.max(0, totalBytes - doneBytes) / bytesPerSecond);
  }

  public JsonObject toJson() {
    double pct = percent();
    return new JsonObject().put("activity", activity).put("source", source).put("doneBytes", doneBytes)
        .put("totalBytes", totalBytes).put("percent", Double.isNaN(pct) ? null : Math.round(pct * 10) / 10.0)
        .put("mbPerSec", Math.round(bytesPerSecond / 1e6 * 10) / 10.0).put("etaSeconds", etaSeconds());
  }
}
