package io.paxosql.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricSamplerTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void ratesComeFromCounterDifferencesAndLatenciesOnlyFromBusySeconds() {
    Counter commits = Counter.builder(MetricSampler.CHAIN_TRANSACTIONS).register(registry);
    Timer ack = Timer.builder(MetricSampler.ACK_LATENCY).publishPercentiles(0.5, 0.99).register(registry);
    AtomicInteger rw = new AtomicInteger(3);
    Gauge.builder(MetricSampler.CONNECTIONS_OPEN, rw, AtomicInteger::get).tag("port", "rw").register(registry);
    Gauge.builder(MetricSampler.CONNECTIONS_OPEN, () -> 1).tag("port", "ro").register(registry);
    MetricSampler sampler = new MetricSampler(registry);

    MetricSample first = sampler.sample(10_000);
    assertTrue(Double.isNaN(first.commitsPerSec()), "no rate before a second sample");
    assertTrue(Double.isNaN(first.ackP50Ms()), "no latency before anything was ACKed");
    assertEquals(3, first.rwOpen());
    assertEquals(1, first.roOpen());
    assertTrue(Double.isNaN(first.lagMs()), "a meter the node lacks is missing, not zero");

    commits.increment(50);
    for (int i = 0; i < 100; i++) {
      ack.record(Duration.ofMillis(4));
    }
    rw.set(5);
    MetricSample second = sampler.sample(12_000);
    assertEquals(25.0, second.commitsPerSec(), 1e-9);
    assertEquals(4.0, second.ackP50Ms(), 0.5);
    assertEquals(4.0, second.ackP99Ms(), 0.5);
    assertEquals(5, second.rwOpen());

    MetricSample quiet = sampler.sample(13_000);
    assertEquals(0.0, quiet.commitsPerSec(), 1e-9);
    assertTrue(Double.isNaN(quiet.ackP99Ms()), "a second with no ACK shows no latency");
  }
}
