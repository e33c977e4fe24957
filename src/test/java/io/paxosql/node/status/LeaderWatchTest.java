package io.paxosql.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaderWatchTest {
  @Test
  void aFailoverSeenFromTheNodeThatWinsIt() {
    LeaderWatch w = new LeaderWatch(2);
    assertEquals("node 2 follows node 1 as leader", w.observe(1, "3.1").orElseThrow());
    assertEquals(Optional.empty(), w.observe(1, "3.1"));
    String lapse = w.observe(-1, "3.1").orElseThrow();
    assertTrue(lapse.contains("the lease of leader node 1 lapsed") && lapse.contains("election"), lapse);
    assertEquals("node 2 won the election and leads with ballot 4.2", w.observe(2, "4.2").orElseThrow());
  }

  @Test
  void aLeaderReplacedWithoutAGapNamesBoth() {
    LeaderWatch w = new LeaderWatch(3);
    w.observe(3, "1.3");
    assertEquals("node 3 follows node 1 as leader, after node 3", w.observe(1, "2.1").orElseThrow());
    assertTrue(w.observe(-1, "2.1").orElseThrow().contains("node 1 lapsed"));
    LeaderWatch self = new LeaderWatch(1);
    self.observe(1, "1.1");
    assertTrue(self.observe(-1, "1.1").orElseThrow().contains("no longer holds the lease"));
  }
}
