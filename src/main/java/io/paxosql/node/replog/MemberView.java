package io.paxosql.node.replog;

import io.paxosql.paxos.PaxosNode;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedSet;

/**
 * The core's member sets as other threads see them: written on the node's context from the core after a
 * tick or a chosen value, read on any thread.
 */
final class MemberView {
  private volatile SortedSet<Integer> voting;
  private volatile SortedSet<Integer> latest;
  /** Voting and newest members together, as of the last tick: who may talk to this node (learners too). */
  private volatile Set<Integer> memberView;

  /**
   * Takes the member sets from the core; on the node's context only. Called every tick: the core hands out
   * the same immutable set until the membership changes, so an unchanged pair is not copied again (the copy
   * every 50 ms tick was the largest share of an idle follower's allocation, by JFR).
   */
  void note(PaxosNode node) {
    SortedSet<Integer> v = node.membersAt(node.firstUnchosen());
    SortedSet<Integer> l = node.latestMembers();
    if (v == voting && l == latest) {
      return;
    }
    voting = v;
    latest = l;
    Set<Integer> view = new HashSet<>(v);
    view.addAll(l);
    memberView = Set.copyOf(view);
  }

  /** The members voting at the first unchosen instance, as of the last note. */
  SortedSet<Integer> voting() {
    return voting;
  }

  /** The newest member set chosen (maybe not in force yet), as of the last note. */
  SortedSet<Integer> latest() {
    return latest;
  }

  /** Voting and newest (maybe not yet in force) members, as of the last note. */
  Set<Integer> all() {
    return memberView;
  }
}
