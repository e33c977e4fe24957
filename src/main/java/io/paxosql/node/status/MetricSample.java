package io.paxosql.node.status;

import io.vertx.core.json.JsonArray;

/**
 * What one node measured in one second, for the status page's charts. A value that has no meaning
 * for that second (no commit was ACKed, no fsync ran) is NaN and goes out as JSON null, so the chart
 * shows a gap rather than a made-up zero.
 *
 * @param timeMs         wall-clock time of the sample (epoch milliseconds)
 * @param commitsPerSec  transactions this node's chain accepted per second since the previous sample
 * @param ackP50Ms       the capture's ACK latency, median (master only)
 * @param ackP99Ms       the capture's ACK latency, 99th percentile (master only)
 * @param lagMs          age of the oldest chain transaction this node's MariaDB had not applied
 * @param fsyncP50Ms     Paxos log fsync latency, median
 * @param fsyncP99Ms     Paxos log fsync latency, 99th percentile
 * @param rwOpen         client connections open on the RW port
 * @param roOpen         client connections open on the RO port
 */
public record MetricSample(long timeMs, double commitsPerSec, double ackP50Ms, double ackP99Ms, double lagMs,
                           double fsyncP50Ms, double fsyncP99Ms, double rwOpen, double roOpen) {

  /** The order of {@link #toJson()}'s values after the time; the page reads columns by these names. */
  public static final String[] COLUMNS = {"t", "commitsPerSec", "ackP50Ms", "ackP99Ms", "lagMs", "fsyncP50Ms",
      "fsyncP99Ms", "rwOpen", "roOpen"};

  /** A compact row: {@code [timeMs, commitsPerSec, ...]} in {@link #COLUMNS} order, NaN as null. */
  public JsonArray toJson() {
    return new JsonArray().add(timeMs).add(num(commitsPerSec)).add(num(ackP50Ms)).add(num(ackP99Ms))
        .add(num(lagMs)).add(num(fsyncP50Ms)).add(num(fsyncP99Ms)).add(num(rwOpen)).add(num(roOpen));
  }

  private static Double num(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 1000) / 1000.0;
  }
}
