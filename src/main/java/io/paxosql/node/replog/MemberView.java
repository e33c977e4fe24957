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

  /** Takes the member sets from the core; on the node's context only. */
  void note(PaxosNode node) {
    voting = node.membersAt(node.firstUnchosen());
    latest = node.latestMembers();
    Set<Integer> view = new HashSet<>(voting);
    view.addAll(latest);
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
