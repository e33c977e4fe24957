package io.paxosql.node.replog;

import io.paxosql.paxos.Ballot;
import java.util.HashMap;
import java.util.Map;

/**
 * Big accepts stepped into the core whose Ready is not done yet (their Accepted record is still being
 * written, so their answer has not left). A second copy of one of them, which the leader sends when the
 * answer is late, is dropped unread: its answer would be the same and leave no sooner, and stepping it in
 * would write the megabytes again and hold back the Readys behind it. The first Ready taken after an
 * accept is stepped in carries what it caused; once that Ready is done the accept is forgotten, and a later
 * copy (the answer may have been lost) is stepped in as usual. Plain logic; on the node's context only.
 */
final class AcceptsBeingWritten {
  /** An accept by what makes two copies the same: who sent it, its instance and its ballot. */
  private record Copy(int from, long instance, Ballot ballot) {}

  /** Each accept, with the number of Readys taken before it was stepped in. */
  private final Map<Copy, Long> stepped = new HashMap<>();
  private long readysTaken;
  private long readysDone;
  private long dropped;

  /** A big accept is being stepped into the core. */
  void stepped(int from, long instance, Ballot ballot) {
    stepped.putIfAbsent(new Copy(from, instance, ballot), readysTaken);
  }

  /** Whether a copy of this accept is still being written here; counts it as dropped if so. */
  boolean beingWritten(int from, long instance, Ballot ballot) {
    if (stepped.containsKey(new Copy(from, instance, ballot))) {
      dropped++;
      return true;
    }
    return false;
  }

  void readyTaken() {
    readysTaken++;
  }

  /** The oldest Ready not done yet is durable (or had nothing to write). */
  void readyDone() {
    readysDone++;
    if (!stepped.isEmpty()) {
      stepped.values().removeIf(takenBefore -> takenBefore < readysDone);
    }
  }

  /** Copies dropped since the last call. */
  long takeDropped() {
    long d = dropped;
    dropped = 0;
    return d;
  }
}
