package io.paxosql.node.status;

import java.util.Optional;

/**
 * Says in one sentence how the Paxos leader changed as this node saw it, from the successive leader
 * hints its log reports: a lapsed lease (the leader stopped renewing: it stopped, resigned, or is cut
 * off from this node), an election won here, a new leader elsewhere. Pure; one caller.
 */
public final class LeaderWatch {
  private final int self;
  private int leader = -1;

  public LeaderWatch(int self) {
    this.self = self;
  }

  /** The sentence for a change to {@code leaderHint} (-1: no leader known), or empty if nothing changed. */
  public Optional<String> observe(int leaderHint, String ballot) {
    int previous = leader;
    if (leaderHint == previous) {
      return Optional.empty();
    }
    leader = leaderHint;
    if (leaderHint < 0) {
      return Optional.of(previous == self
          ? "node " + self + " no longer holds the lease it led with; another node may be elected"
          : "node " + self + ": the lease of leader node " + previous + " lapsed with no renewal reaching this node "
              + "(the leader stopped, resigned or is cut off); an election follows");
    }
    if (leaderHint == self) {
      return Optional.of("node " + self + " won the election and leads with ballot " + ballot
          + (previous > 0 ? ", after node " + previous : ""));
    }
    return Optional.of("node " + self + " follows node " + leaderHint + " as leader"
        + (previous > 0 ? ", after node " + previous : ""));
  }
}
