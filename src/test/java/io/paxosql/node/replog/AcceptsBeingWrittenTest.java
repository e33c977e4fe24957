package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.paxos.Ballot;
import org.junit.jupiter.api.Test;

/** Which copies of a big accept a node drops: only those arriving before the first copy's Ready is done. */
class AcceptsBeingWrittenTest {
  private static final Ballot B = new Ballot(3, 1);

  @Test
  void aCopyIsDroppedUntilTheReadyAfterTheFirstIsDone() {
    AcceptsBeingWritten a = new AcceptsBeingWritten();
    a.readyTaken();
    a.stepped(1, 10, B);
    assertTrue(a.beingWritten(1, 10, B), "stepped in, its Ready not even taken yet");
    a.readyDone();
    assertTrue(a.beingWritten(1, 10, B), "the Ready done was taken before the accept was stepped in");
    a.readyTaken();
    assertTrue(a.beingWritten(1, 10, B), "its Ready is taken, not durable");
    a.readyDone();
    assertFalse(a.beingWritten(1, 10, B), "its Ready is done: its answer has left, a later copy is stepped in");
    assertEquals(3, a.takeDropped());
    assertEquals(0, a.takeDropped());
  }

  @Test
  void onlyTheSameAcceptFromTheSameSenderCounts() {
    AcceptsBeingWritten a = new AcceptsBeingWritten();
    a.stepped(1, 10, B);
    assertFalse(a.beingWritten(2, 10, B), "another sender");
    assertFalse(a.beingWritten(1, 11, B), "another instance");
    assertFalse(a.beingWritten(1, 10, new Ballot(4, 1)), "another ballot");
  }
}
