package io.paxosql.node.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.util.concurrent.TimeUnit;

/**
 * Turns one node's meters into a {@link MetricSample} a second, from the same meters {@code /metrics}
 * exports (so the page and a Grafana dashboard agree). Rates come from counter differences between
 * calls; a latency percentile is given only for a second in which its timer recorded something.
 * Not thread-safe: one caller, once a second.
 */
public final class MetricSampler {
  /** The meter names the charts read; the Grafana dashboard names the same meters in Prometheus form. */
  public static final String CHAIN_TRANSACTIONS = "paxosql.chain.transactions";
  public static final String ACK_LATENCY = "paxosql.capture.ack.latency";
  public static final String REPLICA_LAG_MS = "paxosql.node.replica.lag.ms";
  public static final String FSYNC = "paxosql.log.fsync";
  public static final String CONNECTIONS_OPEN = "paxosql.proxy.connections.open";

  private final MeterRegistry registry;
  private long lastTimeMs = -1;
  private double lastCommits;
  private long lastAckCount;
  private long lastFsyncCount;

  public MetricSampler(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The sample for wall-clock time {@code nowMs}. */
  public MetricSample sample(long nowMs) {
    Counter commits = registry.find(CHAIN_TRANSACTIONS).counter();
    double commitCount = commits == null ? 0 : commits.count();
    double rate = Double.NaN;
    if (lastTimeMs >= 0 && nowMs > lastTimeMs) {
      rate = Math.max(0, commitCount - lastCommits) * 1000.0 / (nowMs - lastTimeMs);
    }
    lastTimeMs = nowMs;
    lastCommits = commitCount;

    Timer ack = registry.find(ACK_LATENCY).timer();
    double[] ackMs = percentilesIfRecorded(ack, lastAckCount);
    lastAckCount = ack == null ? 0 : ack.count();
    Timer fsync = registry.find(FSYNC).timer();
    double[] fsyncMs = percentilesIfRecorded(fsync, lastFsyncCount);
    lastFsyncCount = fsync == null ? 0 : fsync.count();

    return new MetricSample(nowMs, rate, ackMs[0], ackMs[1], gauge(registry.find(REPLICA_LAG_MS).gauge()),
        fsyncMs[0], fsyncMs[1], gauge(registry.find(CONNECTIONS_OPEN).tag("port", "rw").gauge()),
        gauge(registry.find(CONNECTIONS_OPEN).tag("port", "ro").gauge()));
  }

  /** {p50, p99} in ms of a timer that recorded since {@code previousCount}; NaN for a quiet second. */
  private static double[] percentilesIfRecorded(Timer t, long previousCount) {
    double[] out = {Double.NaN, Double.NaN};
    if (t == null || t.count() == previousCount) {
      return out;
    }
    for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
      if (v.percentile() == 0.5) {
        out[0] = v.value(TimeUnit.MILLISECONDS);
      } else if (v.percentile() == 0.99) {
        out[1] = v.value(TimeUnit.MILLISECONDS);
      }
    }
    return out;
  }

  private static double gauge(Gauge g) {
    return g == null ? Double.NaN : g.value();
  }
}
