package io.paxosql.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class InstanceIndexTest {

  @Test
  void crossesTwoToTheThirtyTwoAndFreesWholePages() {
    long base = (1L << 32) - 10_000;
    InstanceIndex idx = new InstanceIndex(base);
    for (long i = base; i < base + 50_000; i++) {
      idx.add(i, i * 3);
    }
    assertEquals((base + 20_000) * 3, idx.get(base + 20_000));
    assertEquals(-1, idx.get(base + 50_000));
    int pages = idx.pages();
    idx.dropBelow(base + 40_000);
    assertEquals(base + 40_000, idx.first());
    assertEquals(-1, idx.get(base + 39_999));
    assertEquals((base + 40_000) * 3, idx.get(base + 40_000));
    assertEquals((base + 49_999) * 3, idx.get(base + 49_999));
    assertEquals(pages - 9, idx.pages(), "whole pages below the first retained instance are freed");
    for (long i = base + 50_000; i < base + 60_000; i++) {
      idx.add(i, i * 3);
    }
    assertEquals((base + 59_999) * 3, idx.get(base + 59_999));
    assertThrows(IllegalStateException.class, () -> idx.add(base + 60_001, 0));
    idx.dropBelow(base + 60_000);
    assertEquals(base + 60_000, idx.end());
    idx.add(base + 60_000, 7);
    assertEquals(7, idx.get(base + 60_000));
  }

  @Test
  void holdsMoreThanTwoToTheThirtyOneSlotsWorthOfIdsWithoutACap() {
    // Ids near Long range ends work the same: only the retained count costs memory.
    long base = Long.MAX_VALUE - 100_000;
    InstanceIndex idx = new InstanceIndex(base);
    for (long i = base; i < base + 90_000; i++) {
      idx.add(i, i);
    }
    assertEquals(base + 89_999, idx.get(base + 89_999));
  }
}
