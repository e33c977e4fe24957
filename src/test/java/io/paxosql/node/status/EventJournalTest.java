package io.paxosql.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventJournalTest {
  private final AtomicLong clock = new AtomicLong(1000);

  @Test
  void keepsTheNewestUpToItsCapacityInOrder() {
    EventJournal j = new EventJournal(2, 3, clock::getAndIncrement);
    for (int i = 1; i <= 5; i++) {
      j.add(EventKind.ROLE, "event " + i);
    }
    List<NodeEvent> all = j.recent(10);
    assertEquals(List.of("event 3", "event 4", "event 5"), all.stream().map(NodeEvent::message).toList());
    assertEquals(List.of(3L, 4L, 5L), all.stream().map(NodeEvent::seq).toList());
    assertEquals(1004, all.get(2).timeMs());
    assertEquals(2, all.get(0).node());
  }

  @Test
  void afterGivesOnlyNewerEventsAndAtMostMaxOfTheNewest() {
    EventJournal j = new EventJournal(1, 10, clock::get);
    j.add(EventKind.FENCE, "a");
    j.add(EventKind.ELECTION, "b");
    j.add(EventKind.CONFIG, "c");
    assertEquals(List.of("b", "c"), j.after(1, 10).stream().map(NodeEvent::message).toList());
    assertEquals(List.of("c"), j.after(0, 1).stream().map(NodeEvent::message).toList());
    assertEquals(List.of(), j.after(3, 10));
    assertEquals("ELECTION", j.after(1, 1).isEmpty() ? "" : j.recent(2).get(0).toJson().getString("kind"));
  }

  @Test
  void refusesNoRoom() {
    assertThrows(IllegalArgumentException.class, () -> new EventJournal(1, 0, clock::get));
  }
}
