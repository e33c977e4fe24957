package io.paxosql.paxos.sim;

import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.role.NodeRole;
import io.paxosql.paxos.sim.SafetyChecker.SafetyViolation;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The node-level rules, checked while the simulator runs the real {@link io.paxosql.node.role.RoleMachine}
 * and {@link io.paxosql.node.chain.ChainedLog} on every node: every node's chain (and a restarted node's
 * rebuilt one) stands at the same state after every chosen record; a node is MASTER (or
 * PROMOTING) only while it holds the lease of its own epoch; no epoch has two masters and a master's
 * epoch is the chain's; every transaction acknowledged to a client is in every member's final chain.
 */
final class NodeChecker {
  private record Key(long instance, int index) {}

  private record Judged(ChainState next, int node) {}

  private final boolean leaseChecks;
  private final Map<Key, Judged> judged = new HashMap<>();
  private final Map<Long, Integer> masterOfEpoch = new HashMap<>();
  private final Set<Gtid> acknowledged = new LinkedHashSet<>();
  private long masters;

  /** @param leaseChecks false when clocks run beyond the skew bound (the lease is not promised then) */
  NodeChecker(boolean leaseChecks) {
    this.leaseChecks = leaseChecks;
  }

  /** Node {@code node}'s chain took the record at {@code instance}.{@code index}; it stands at {@code after}. */
  void chainAfter(int node, long instance, int index, ChainState after) {
    Judged now = new Judged(after, node);
    Judged first = judged.putIfAbsent(new Key(instance, index), now);
    if (first != null && !first.next().equals(after)) {
      throw new SafetyViolation("the chains of node " + first.node() + " and node " + node + " judged the record at "
          + instance + "." + index + " differently: one then stood at " + first.next() + ", the other at " + after);
    }
  }

  void roleAfterEvent(int node, NodeRole role, long roleEpoch, boolean leaseHeld, long leaseEpoch, long time) {
    if (leaseChecks && (role == NodeRole.MASTER || role == NodeRole.PROMOTING)
        && (!leaseHeld || leaseEpoch != roleEpoch)) {
      throw new SafetyViolation("node " + node + " is " + role + " for epoch " + roleEpoch + " at time " + time
          + (leaseHeld ? " while it holds the lease of epoch " + leaseEpoch : " without holding the lease"));
    }
  }

  void published(int node, NodeRole role, long epoch, long time) {
    if (role == NodeRole.MASTER) {
      Integer other = masterOfEpoch.putIfAbsent(epoch, node);
      if (other != null && other != node) {
        throw new SafetyViolation("epoch " + epoch + " has two masters: node " + other + " and, at time " + time
            + ", node " + node);
      }
      masters++;
    }
  }

  /** Node {@code node} became master of {@code epoch} with this chain: the chain must name it. */
  void master(int node, long epoch, ChainState chain, long time) {
    if (chain.epoch() != epoch || chain.masterNode() != node) {
      throw new SafetyViolation("node " + node + " serves as master of epoch " + epoch + " at time " + time
          + " but its chain is at epoch " + chain.epoch() + " of node " + chain.masterNode());
    }
  }

  void acknowledged(int node, Gtid gtid, long time) {
    if (!acknowledged.add(gtid)) {
      throw new SafetyViolation("transaction " + gtid + " acknowledged twice (node " + node + ", time " + time + ")");
    }
  }

  /** Every acknowledged transaction is in the chain of every node named (the final members). */
  void finalCheck(Map<Integer, NodeLogic> members) {
    for (Gtid g : acknowledged) {
      for (Map.Entry<Integer, NodeLogic> m : members.entrySet()) {
        if (!m.getValue().hasAccepted(g)) {
          throw new SafetyViolation("transaction " + g + " was acknowledged but node " + m.getKey()
              + "'s final chain lacks it (chain at " + m.getValue().chain() + ")");
        }
      }
    }
  }

  long acknowledgedCount() {
    return acknowledged.size();
  }

  long masters() {
    return masters;
  }
}
