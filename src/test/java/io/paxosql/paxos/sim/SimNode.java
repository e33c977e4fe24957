package io.paxosql.paxos.sim;

import io.paxosql.node.replog.SimProposals;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.Ready;

import java.util.ArrayDeque;

/** One node of a {@link Simulator} run: its core, disk, process state and what its chain applied. */
final class SimNode {
    final int id;
    final PaxosConfig cfg;
    final SimStorage storage;
    PaxosNode core;
    boolean up = true;
    long gen;
    /** Ready values written and not yet synced, oldest first (more than one when the run pipelines). */
    final ArrayDeque<Ready> unsynced = new ArrayDeque<>();
    long lastSyncAt;
    /** The replicated log's proposal tracker of this node's current run (lost with a crash). */
    SimProposals proposals;
    /** The node-level logic above the core (node-level runs only), or null. */
    NodeLogic logic;
    /** While now is before this, the node's event loop is stalled: it ticks, reads and writes nothing. */
    long stalledUntil = -1;
    long missedTicks;
    long appliedBelow;
    long maxAppliedId = -1;
    long grid;
    long tickGen;
    double rate;
    Ballot lastLed;

    /** The node refused its damaged log at a restart: it stays down (an operator replaces it). */
    boolean refused;

    SimNode(int id, PaxosConfig cfg, SimStorage storage) {
        this.id = id;
        this.cfg = cfg;
        this.storage = storage;
        this.core = PaxosNode.fresh(cfg);
        this.appliedBelow = cfg.firstInstance();
        this.proposals = new SimProposals(cfg.firstInstance());
    }
}
