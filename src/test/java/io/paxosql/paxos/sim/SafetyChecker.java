package io.paxosql.paxos.sim;

import io.paxosql.paxos.AcceptedValue;
import io.paxosql.paxos.Describe;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Value;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cluster-wide invariants, fed by the simulator as nodes apply values and as time passes. Each check
 * throws {@link SafetyViolation} naming what broke.
 */
final class SafetyChecker {

    static final class SafetyViolation extends RuntimeException {
        SafetyViolation(String msg) {
            super(msg);
        }
    }

    /** The one sequence every node's chosen values must be a prefix of. */
    private final TreeMap<Long, Value> log = new TreeMap<>();
    private final Map<Long, Long> instanceOfProposal = new HashMap<>();
    private final Map<Long, Long> ackedToProposer = new HashMap<>();
    private final Set<Long> dropped = new HashSet<>();
    /** Proposals the replicated log answered as chosen: proposal id to instance. */
    private final Map<Long, Long> completed = new HashMap<>();

    /** Node {@code node} applies {@code v} at {@code instance}; it must be next in its own sequence. */
    void applied(int node, long expectedNext, long instance, Value v) {
        if (instance != expectedNext) {
            throw new SafetyViolation("node " + node + " applied instance " + instance + " but its log ends before "
                    + expectedNext + ": chosen values must come in order without gaps");
        }
        agree(node, instance, v);
        if (v.epoch().node() == node) {
            for (Entry e : v.entries()) {
                ackedToProposer.put(e.proposalId(), instance);
            }
        }
    }

    /** A value a node holds durably as chosen (also ones it never applied before a crash). */
    void agree(int node, long instance, Value v) {
        Value prev = log.putIfAbsent(instance, v);
        if (prev != null && !prev.equals(v)) {
            throw new SafetyViolation("two values chosen at instance " + instance + ": " + Describe.value(prev)
                    + " and, at node " + node + ", " + Describe.value(v));
        }
        if (prev == null) {
            for (Entry e : v.entries()) {
                Long other = instanceOfProposal.putIfAbsent(e.proposalId(), instance);
                if (other != null && other != instance) {
                    throw new SafetyViolation("proposal " + e.proposalId() + " chosen twice, at " + other + " and " + instance);
                }
                if (dropped.contains(e.proposalId())) {
                    throw new SafetyViolation("proposal " + e.proposalId() + " was reported dropped but is chosen at " + instance);
                }
            }
        }
    }

    /**
     * The replicated log answered proposal {@code id} of node {@code node} as chosen at {@code instance}
     * (early, from a durably accepted value, or on the durable Chosen record): it must be there for good.
     */
    void completed(int node, long id, long instance) {
        Long prev = completed.putIfAbsent(id, instance);
        if (prev != null && prev != instance) {
            throw new SafetyViolation("proposal " + id + " answered chosen at " + prev + " and, at node " + node + ", at "
                    + instance);
        }
        Value known = log.get(instance);
        if (known != null && known.entries().stream().noneMatch(e -> e.proposalId() == id)) {
            throw new SafetyViolation("node " + node + " answered proposal " + id + " chosen at " + instance + " but "
                    + Describe.value(known) + " is chosen there");
        }
        if (dropped.contains(id)) {
            throw new SafetyViolation("proposal " + id + " was reported dropped but answered chosen at " + instance);
        }
    }

    void dropped(List<Long> ids) {
        for (long id : ids) {
            if (instanceOfProposal.containsKey(id)) {
                throw new SafetyViolation("proposal " + id + " reported dropped but chosen at " + instanceOfProposal.get(id));
            }
            dropped.add(id);
        }
    }

    /**
     * After a restart: what the node applied and no longer holds as chosen (its chain got it before its
     * Chosen record was durable) must be held as a durable acceptance of the value chosen there, so the
     * node still has it and the cluster chooses it again.
     */
    void restarted(int node, long appliedBelow, long restoredFirstUnchosen, List<AcceptedValue> accepted) {
        for (long i = restoredFirstUnchosen; i < appliedBelow; i++) {
            long instance = i;
            Value chosen = log.get(i);
            boolean held = accepted.stream().anyMatch(a -> a.instance() == instance && a.value().equals(chosen));
            if (!held) {
                throw new SafetyViolation("node " + node + " applied up to " + (appliedBelow - 1) + " but restarted with only "
                        + (restoredFirstUnchosen - 1) + " durable as chosen and without a durable acceptance of the value"
                        + " chosen at " + i + ": a value its chain took early was not durable here");
            }
        }
    }

    /**
     * A restart read node {@code node}'s disk: every damaged entry must have been refused (the node stays down)
     * or dropped as a torn tail that was never synced; none may be restarted from as good bytes. And the
     * recovery rule and the disk's fault model agree: a torn last entry that lost its whole checksum, and
     * nothing else damaged, is dropped, not refused (the node is not lost for nothing).
     */
    void diskRead(int node, SimStorage.Recovery r) {
        if (r.refusal() != null && r.damage().isEmpty()) {
            throw new SafetyViolation("node " + node + " refused a log nothing damaged: " + r.refusal());
        }
        if (r.refusal() == null && !r.damage().isEmpty()) {
            throw new SafetyViolation("node " + node + " restarted from damaged bytes the checks did not catch: "
                    + r.damage());
        }
        if (r.tornRefused() != null) {
            throw new SafetyViolation("node " + node + " refused its log for a torn last entry that was never synced"
                    + " and lost its whole checksum (" + r.tornRefused() + "); recovery must drop it: " + r.refusal());
        }
        if (r.syncedDropped() != null) {
            throw new SafetyViolation("node " + node + " dropped synced " + r.syncedDropped() + " as a torn tail:"
                    + " a record it may have acknowledged is gone");
        }
    }

    void leaseHolders(List<Integer> holders, long time) {
        if (holders.size() > 1) {
            throw new SafetyViolation("nodes " + holders + " all believe they hold the lease at time " + time);
        }
    }

    /** Every proposal a proposer saw chosen is in the final log where it saw it. */
    void finalCheck() {
        for (Map.Entry<Long, Long> e : completed.entrySet()) {
            Value v = log.get(e.getValue());
            if (v == null || v.entries().stream().noneMatch(x -> x.proposalId() == e.getKey())) {
                throw new SafetyViolation("proposal " + e.getKey() + " was answered chosen at " + e.getValue()
                        + " but the final log holds " + (v == null ? "nothing" : Describe.value(v)) + " there");
            }
        }
        for (Map.Entry<Long, Long> e : ackedToProposer.entrySet()) {
            Value v = log.get(e.getValue());
            boolean present = v != null && v.entries().stream().anyMatch(x -> x.proposalId() == e.getKey());
            if (!present) {
                throw new SafetyViolation("proposal " + e.getKey() + " was reported chosen at " + e.getValue()
                        + " but the final log does not hold it there");
            }
        }
    }

    boolean isChosen(long proposalId) {
        return instanceOfProposal.containsKey(proposalId);
    }

    int size() {
        return log.size();
    }
}
