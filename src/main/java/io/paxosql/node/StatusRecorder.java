package io.paxosql.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.node.status.DiskUsage;
import io.paxosql.node.status.HeapAfterGc;
import io.paxosql.node.status.MetricHistory;
import io.paxosql.node.status.MetricSample;
import io.paxosql.node.status.MetricSampler;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the node's charts once a second into a ten-minute ring (the status page shows the history at
 * once on load), and measures its log directory and disk on a worker thread. Exports those and the
 * heap after GC as meters too, so Prometheus sees what the page sees. Runs on the node's context.
 */
final class StatusRecorder {
  private static final Logger log = LoggerFactory.getLogger(StatusRecorder.class);
  static final long PERIOD_MS = 1000;
  /**
   * The disk is measured every this many samples: walking the log directory and asking the file system
   * every second was 18 % of an idle follower's allocation; free space moves slowly, and a full disk is
   * handled by fail-stop on the write itself, not by this warning.
   */
  static final int DISK_EVERY_SAMPLES = 5;

  private final Vertx vertx;
  private final Path logDir;
  private final MetricSampler sampler;
  private final MetricHistory history = new MetricHistory(MetricHistory.TEN_MINUTES);
  private volatile DiskUsage disk;
  private boolean measuring;
  private int samplesSinceDisk = DISK_EVERY_SAMPLES;
  private long lastMs;
  private long timer = -1;

  StatusRecorder(Vertx vertx, Path logDir, MeterRegistry registry, String node) {
    this.vertx = vertx;
    this.logDir = logDir;
    this.sampler = new MetricSampler(registry);
    Gauge.builder("paxosql.node.log.dir.bytes", this, r -> r.disk == null ? Double.NaN : r.disk.logDirBytes())
        .tag("node", node).description("bytes in the node's Paxos log directory").register(registry);
    Gauge.builder("paxosql.node.disk.free.bytes", this, r -> r.disk == null ? Double.NaN : r.disk.freeBytes())
        .tag("node", node).description("bytes free on the file system of the Paxos log").register(registry);
    Gauge.builder("paxosql.node.disk.total.bytes", this, r -> r.disk == null ? Double.NaN : r.disk.totalBytes())
        .tag("node", node).description("size of the file system of the Paxos log").register(registry);
    Gauge.builder("paxosql.jvm.heap.after.gc.bytes", HeapAfterGc.get(), h -> h.bytes() < 0 ? Double.NaN : h.bytes())
        .tag("node", node).description("heap in use right after the last garbage collection").register(registry);
  }

  void start() {
    timer = vertx.setPeriodic(PERIOD_MS, id -> tick());
    tick();
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  List<MetricSample> after(long afterMs) {
    return history.after(afterMs);
  }

  /** The last measurement, or null before the first one ended. */
  DiskUsage disk() {
    return disk;
  }

  private void tick() {
    long now = System.currentTimeMillis();
    if (now > lastMs) { // a wall clock stepped back skips samples rather than reorder the history
      lastMs = now;
      history.add(sampler.sample(now));
    }
    if (!measuring && ++samplesSinceDisk >= DISK_EVERY_SAMPLES) {
      measuring = true;
      samplesSinceDisk = 0;
      vertx.executeBlocking(() -> DiskUsage.measure(logDir), false).onComplete(ar -> {
        measuring = false;
        if (ar.succeeded()) {
          disk = ar.result();
        } else {
          log.warn("{}", ar.cause().getMessage());
        }
      });
    }
  }
}
