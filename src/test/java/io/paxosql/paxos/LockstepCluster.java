package io.paxosql.paxos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Real {@link PaxosNode}s ticking in lockstep over an instant network, each run as the node's driver runs its
 * core: take a Ready, send what may leave, confirm it durable with {@link PaxosNode#advance()}, take the next.
 * A node's disk can be made slow: Readys taken before a given tick are confirmed only at that tick (a joiner
 * whose log is busy with catch-up writes), so its promises, and every reply queued behind them, wait. Nodes can
 * be down and links cut in both directions; what is sent to a down node or over a cut link is lost.
 */
final class LockstepCluster {

    private final TreeMap<Integer, PaxosNode> nodes = new TreeMap<>();
    private final Set<Integer> down = new HashSet<>();
    private final Set<List<Integer>> cut = new HashSet<>();
    /** Per node: Readys taken before this tick are confirmed only at it. */
    private final Map<Integer, Long> syncsHeldUntil = new HashMap<>();
    /** Per node: a Ready taken and not yet confirmed. */
    private final Set<Integer> awaiting = new HashSet<>();
    private final ArrayDeque<Message> wire = new ArrayDeque<>();
    /** Data proposals seen chosen, by proposal id. */
    private final Map<Long, Long> chosenAt = new HashMap<>();
    private long tick;

    LockstepCluster(SortedSet<Integer> genesis, int... ids) {
        for (int id : ids) {
            add(genesis, id);
        }
    }

    /** A node of this cluster's genesis set, or a joiner (a learner until a change adds it). */
    PaxosNode add(SortedSet<Integer> genesis, int id) {
        // lease 10, margin 3, renew 3, election 4, retransmit 2, alpha 2
        PaxosNode n = PaxosNode.fresh(new PaxosConfig(7, id, genesis, 0, 10, 3, 3, 4, 2, 2, 1024, 100, 10));
        // A fresh node keeps as long as it would after a restart; fast forward to the cluster's clock.
        for (long i = 0; i < tick; i++) {
            n.tick();
        }
        nodes.put(id, n);
        return n;
    }

    PaxosNode node(int id) {
        return nodes.get(id);
    }

    long tick() {
        return tick;
    }

    void down(int id) {
        down.add(id);
        awaiting.remove(id);
    }

    void cut(int a, int b) {
        cut.add(List.of(a, b));
        cut.add(List.of(b, a));
    }

    /** Readys node {@code id} takes from now on are confirmed no earlier than {@code ticks} from now. */
    void slowDisk(int id, long ticks) {
        syncsHeldUntil.put(id, tick + ticks);
    }

    /** One tick on every running node, then every message and Ready until nothing moves. */
    void step() {
        tick++;
        for (Map.Entry<Integer, PaxosNode> e : nodes.entrySet()) {
            if (!down.contains(e.getKey())) {
                e.getValue().tick();
            }
        }
        settle();
    }

    /** Steps until {@code done} holds or {@code max} ticks passed; true if it held. */
    boolean stepUntil(java.util.function.BooleanSupplier done, int max) {
        for (int i = 0; i < max && !done.getAsBoolean(); i++) {
            step();
        }
        return done.getAsBoolean();
    }

    void settle() {
        for (int round = 0; round < 10_000; round++) {
            boolean moved = false;
            for (Map.Entry<Integer, PaxosNode> e : nodes.entrySet()) {
                moved |= drive(e.getKey(), e.getValue());
            }
            Message m;
            while ((m = wire.poll()) != null) {
                moved = true;
                if (!down.contains(m.to()) && !cut.contains(List.of(m.from(), m.to())) && nodes.containsKey(m.to())) {
                    nodes.get(m.to()).step(m);
                }
            }
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("the cluster did not settle within a tick");
    }

    private boolean drive(int id, PaxosNode n) {
        if (down.contains(id)) {
            return false;
        }
        boolean moved = false;
        if (awaiting.contains(id) && tick >= syncsHeldUntil.getOrDefault(id, 0L)) {
            awaiting.remove(id);
            wire.addAll(n.advance());
            moved = true;
        }
        if (!awaiting.contains(id) && n.hasReady()) {
            Ready r = n.ready();
            wire.addAll(r.send());
            for (ChosenValue c : r.chosen()) {
                for (Entry e : c.value().entries()) {
                    chosenAt.putIfAbsent(e.proposalId(), c.instance());
                }
            }
            awaiting.add(id);
            moved = true;
        }
        return moved;
    }

    /** Whether some node saw proposal {@code id} chosen. */
    boolean chosen(long id) {
        return chosenAt.containsKey(id);
    }

    /** The running node that holds the lease, or -1. */
    int leaseHolder() {
        List<Integer> holders = new ArrayList<>();
        for (Map.Entry<Integer, PaxosNode> e : nodes.entrySet()) {
            if (!down.contains(e.getKey()) && e.getValue().holdsLease()) {
                holders.add(e.getKey());
            }
        }
        if (holders.size() > 1) {
            throw new AssertionError("nodes " + holders + " all hold the lease at tick " + tick);
        }
        return holders.isEmpty() ? -1 : holders.get(0);
    }
}
