package io.paxosql.node.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import org.junit.jupiter.api.Test;

/** When the chain notes a checkpoint candidate: every so many instances, or so many bytes if sooner. */
class CheckpointCandidatesTest {

  /** The instance after which the newest candidate stands, or -1 without one. */
  private static long newest(CheckpointCandidates c) {
    return c.coveredBy(GtidState.EMPTY).map(cp -> cp.next().instance()).orElse(-1L);
  }

  @Test
  void aCandidateComesAfterEveryInstancesOrEveryBytesWhicheverIsFirst() {
    CheckpointCandidates c = new CheckpointCandidates(10, 1_000);
    c.startAt(new LogPosition(0, 0));
    for (long i = 0; i < 9; i++) {
      c.note(new LogPosition(i, 0), 10, ChainState.EMPTY);
    }
    assertEquals(-1, newest(c), "neither 10 instances nor 1,000 bytes yet");
    c.note(new LogPosition(10, 0), 10, ChainState.EMPTY);
    assertEquals(10, newest(c), "10 instances after the start");
    c.note(new LogPosition(11, 0), 600, ChainState.EMPTY);
    assertEquals(10, newest(c));
    c.note(new LogPosition(12, 0), 400, ChainState.EMPTY);
    assertEquals(12, newest(c), "1,000 bytes since the last candidate, 2 instances after it");
    c.note(new LogPosition(13, 0), 5_000, ChainState.EMPTY);
    assertEquals(13, newest(c), "one value bigger than the budget is a candidate by itself");
  }

  @Test
  void byCountOnlyIsTheOldRuleAndBadBudgetsAreRefused() {
    CheckpointCandidates c = new CheckpointCandidates(10, Long.MAX_VALUE);
    c.startAt(new LogPosition(0, 0));
    c.note(new LogPosition(1, 0), Integer.MAX_VALUE, ChainState.EMPTY);
    assertEquals(-1, newest(c));
    var e = assertThrows(IllegalArgumentException.class, () -> new CheckpointCandidates(10, 0));
    assertTrue(e.getMessage().contains("checkpointBytes"), e.getMessage());
  }
}
