package io.paxosql.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class MetricHistoryTest {
  private static MetricSample at(long t) {
    return new MetricSample(t, t, 1, 2, 3, 4, 5, 6, 7);
  }

  private static List<Long> times(List<MetricSample> s) {
    return s.stream().map(MetricSample::timeMs).toList();
  }

  @Test
  void holdsTheLastCapacitySamplesOldestFirstAcrossTheWrap() {
    MetricHistory h = new MetricHistory(4);
    for (long t = 1; t <= 10; t++) {
      h.add(at(t * 1000));
    }
    assertEquals(4, h.size());
    assertEquals(List.of(7000L, 8000L, 9000L, 10000L), times(h.after(0)));
    assertEquals(List.of(9000L, 10000L), times(h.after(8000)));
    assertEquals(List.of(), h.after(10000));
  }

  @Test
  void tenMinutesOfSecondsStayBounded() {
    MetricHistory h = new MetricHistory(MetricHistory.TEN_MINUTES);
    LongStream.rangeClosed(1, 2000).forEach(t -> h.add(at(t * 1000)));
    List<MetricSample> all = h.after(0);
    assertEquals(600, all.size());
    assertEquals(1_401_000L, all.get(0).timeMs());
    assertEquals(2_000_000L, all.get(599).timeMs());
  }

  @Test
  void refusesASampleNotNewerThanTheLast() {
    MetricHistory h = new MetricHistory(3);
    h.add(at(5000));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.add(at(5000)));
    assertTrue(e.getMessage().contains("not newer"), e.getMessage());
  }

  @Test
  void aMissingValueIsJsonNull() {
    JsonArray row = new MetricSample(1, Double.NaN, 0.5, 2.25, 0, Double.NaN, 1, 3, 0).toJson();
    assertEquals(MetricSample.COLUMNS.length, row.size());
    assertEquals(null, row.getValue(1));
    assertEquals(2.25, row.getDouble(3));
    assertEquals(null, row.getValue(5));
  }
}
