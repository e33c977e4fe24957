package io.paxosql.node.replog;

import io.paxosql.paxos.AcceptedValue;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PersistentState;
import java.util.concurrent.TimeUnit;

/**
 * How far this node's durable chosen values reach against what its peers reported chosen, and whether it
 * has seen decided what it held as accepted when it started. Written on the node's context, read by
 * callers on any thread.
 */
final class PeerProgress {
  /** Election times (lease, margin and every member's election timeout) a restored acceptance holds catch-up back. */
  private static final int RESTORED_GATE_ELECTIONS = 4;

  private volatile long durableChosenBelow;
  private volatile long peerChosenBelow;
  /** Until a peer reported its progress, peerChosenBelow says nothing about how far behind this node is. */
  private volatile boolean progressHeard;
  /** One past the highest instance this node held as accepted and not chosen when it started. */
  private final long restoredAcceptedBelow;
  /** Until then (System.nanoTime), those acceptances hold {@link #holdsWhatPeersChose} back. */
  private final long restoredGateUntil;

  PeerProgress(ReplogOptions opts, PersistentState restored, long durableChosenBelow) {
    this.durableChosenBelow = durableChosenBelow;
    long acceptedBelow = durableChosenBelow;
    for (AcceptedValue a : restored.accepted()) {
      acceptedBelow = Math.max(acceptedBelow, a.instance() + 1);
    }
    restoredAcceptedBelow = acceptedBelow;
    PaxosConfig pc = opts.paxos();
    restoredGateUntil = System.nanoTime() + RESTORED_GATE_ELECTIONS * TimeUnit.MILLISECONDS.toNanos(
        (long) (pc.leaseTicks() + pc.leaseMarginTicks() + pc.electionTicks() * pc.initialMembers().size())
            * opts.tickMillis());
  }

  /** One past the last chosen value that is durable here. */
  long durableChosenBelow() {
    return durableChosenBelow;
  }

  /** Everything below {@code instance} is chosen and durable here; on the node's context only. */
  void durableBelow(long instance) {
    durableChosenBelow = instance;
  }

  /** A peer said it has everything below {@code chosenBelow} chosen (-1: the message did not say). */
  void notePeerChosenBelow(long chosenBelow) {
    peerChosenBelow = Math.max(peerChosenBelow, chosenBelow);
    progressHeard = true;
  }

  /**
   * Whether this node holds everything its peers reported chosen (false until one reported), and has seen
   * decided what it held as accepted when it started. The second part matters since values go to the chain
   * before their Chosen records are durable: a node that crashed in between restarts with its chain short
   * of what its MariaDB may already have applied, and if its peers crashed too, none of them reports the
   * value chosen until a new leader chooses it again; until then a MariaDB ahead of the chain proves nothing.
   * An acceptance that was never chosen may stay undecided while nothing is proposed, so this part gives up
   * after a few election times ({@link #RESTORED_GATE_ELECTIONS}).
   */
  boolean holdsWhatPeersChose() {
    return progressHeard && peerChosenBelow <= durableChosenBelow
        && (durableChosenBelow >= restoredAcceptedBelow || System.nanoTime() - restoredGateUntil > 0);
  }

  /** Chosen instances a peer has that this node has not made durable. */
  long catchUpLag() {
    return Math.max(0, peerChosenBelow - durableChosenBelow);
  }
}
