package io.paxosql.paxos.sim;

import io.paxosql.node.replog.SimProposals;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Describe;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.PaxosRole;
import io.paxosql.paxos.PersistentState;
import io.paxosql.paxos.Ready;
import io.paxosql.paxos.Value;
import io.paxosql.paxos.sim.SimEvents.Kind;

import java.util.ArrayList;
import java.util.List;

/**
 * Each node's Ready loop in a {@link Simulator} run, as the node's CoreDriver runs it: write, send, sync,
 * apply, release the held replies; and the process's crash (torn writes, lost waiters) and restart from what
 * the disk kept.
 */
final class SimNodeDriver {

    private final Simulator s;

    SimNodeDriver(Simulator s) {
        this.s = s;
    }

    void pump(SimNode n) {
        if (!n.up || n.stalledUntil > s.now || !n.core.hasReady()) {
            return;
        }
        Ready r = n.core.ready();
        List<ChosenValue> early = n.proposals.readied(r);
        for (ChosenValue c : early) {
            // Chosen and durably accepted here: the chain gets it before its Chosen record is written.
            apply(n, c);
            s.earlyDeliveries++;
        }
        n.storage.write(r.persist());
        for (Message m : r.send()) {
            send(m);
        }
        s.checker.dropped(r.dropped());
        if (r.status() != null && r.status().role() == PaxosRole.LEADER && !r.status().ballot().equals(n.lastLed)) {
            n.lastLed = r.status().ballot();
            s.elections++;
        }
        if (r.status() != null) {
            s.trace("node " + n.id + " status " + Describe.status(r.status()));
        }
        n.unsynced.add(r);
        // Syncs complete in the order their writes were queued, as the log's writer thread does.
        long syncAt = Math.max(n.lastSyncAt, s.now + s.rnd.nextLong(0, Simulator.PERIOD * 2));
        n.lastSyncAt = syncAt;
        s.schedule(syncAt, Kind.SYNC, n.id, n.gen, null);
        if (s.faults && !r.persist().isEmpty() && s.rnd.nextDouble() < s.crashRate) {
            // Power fails while the writes are on their way to the disk.
            s.schedule(s.now + s.rnd.nextLong(0, syncAt - s.now + 1), Kind.CRASH, n.id, n.gen, null);
        }
    }

    /** The oldest written Ready becomes durable (and nothing after it); its held replies may leave. */
    void sync(SimNode n) {
        Ready r = n.unsynced.poll();
        n.storage.sync(r.persist().size());
        for (ChosenValue c : r.chosen()) {
            if (c.instance() >= n.appliedBelow) { // else the chain got it early, when it was readied
                apply(n, c);
            }
        }
        for (ChosenValue c : n.proposals.durable(r)) {
            // Chosen in a Ready still unsynced, and durably accepted here now that this one is synced.
            apply(n, c);
            s.earlyDeliveries++;
        }
        for (Message m : n.core.advance()) {
            send(m);
        }
    }

    /** Node {@code n}'s chain (the log's follower) gets chosen value {@code c}, the next one it needs. */
    void apply(SimNode n, ChosenValue c) {
        s.checker.applied(n.id, n.appliedBelow, c.instance(), c.value());
        n.appliedBelow = c.instance() + 1;
        for (Entry e : c.value().entries()) {
            n.maxAppliedId = Math.max(n.maxAppliedId, e.proposalId());
        }
        if (s.nodeLevel) {
            n.logic.applied(n.core, c.instance(), c.value(), s.now);
        }
    }

    void crash(SimNode n) {
        if (!n.up) {
            return;
        }
        n.up = false;
        n.gen++;
        n.unsynced.clear();
        n.proposals = null; // its waiters die with the process
        n.stalledUntil = -1;
        n.missedTicks = 0;
        n.storage.crash(s.rnd);
        s.note("node " + n.id + " crashes");
        // Half the restarts are quick, within the lease the node may have granted just before dying.
        long down = s.rnd.nextBoolean() ? s.rnd.nextLong(1, Simulator.PERIOD * 5) : Simulator.PERIOD * s.rnd.nextLong(1, 60);
        s.schedule(s.now + down, Kind.RESTART, n.id, 0, null);
    }

    void restart(SimNode n) {
        if (n.refused) {
            return;
        }
        boolean allowed = n.core.status() != null && s.rnd.nextInt(5) != 0;
        SimStorage.Recovery read = n.storage.recover();
        s.checker.diskRead(n.id, read);
        if (read.refusal() != null) {
            // As the real node does on LogCorruptedException: it does not start, and never serves or votes.
            n.refused = true;
            s.refusals++;
            s.note("node " + n.id + " refuses its log (" + read.damage() + "): " + read.refusal());
            return;
        }
        if (read.repaired()) {
            s.repairs++;
            s.note("node " + n.id + " drops its torn last log entry");
        }
        PersistentState state = read.state();
        n.core = new PaxosNode(n.cfg, state);
        n.core.setMaxUnconfirmedReadys(s.pipeline);
        n.core.setCampaignAllowed(allowed || !s.faults);
        n.up = true;
        long restored = n.core.firstUnchosen();
        n.proposals = new SimProposals(restored);
        s.checker.restarted(n.id, n.appliedBelow, restored, state.accepted());
        if (n.appliedBelow > restored) {
            // The chain got values early whose Chosen records the crash lost: it restarts from what is durable
            // (ChainCheckpointer never covers more) and learns them again as chosen.
            s.note("node " + n.id + " rolls its chain back from " + n.appliedBelow + " to " + restored);
            s.rollBacks++;
            n.appliedBelow = restored;
        }
        for (long i = n.appliedBelow; i < restored; i++) {
            long at = i - state.firstRetained();
            Value v = at >= 0 ? state.chosen().get((int) at).value() : null;
            if (v != null) {
                s.checker.agree(n.id, i, v);
            }
        }
        n.appliedBelow = Math.max(n.appliedBelow, restored);
        if (s.nodeLevel) {
            // A new process: its chain is rebuilt from the durable log (the real one from its checkpoint).
            n.logic.start(n.core, state.chosen(), s.now);
        }
        s.note("node " + n.id + " restarts at " + restored);
    }

    void send(Message m) {
        checkBytes(m);
        for (long d : s.net.delays(m)) {
            s.schedule(s.now + d, Kind.DELIVER, m.to(), 0, m);
        }
    }

    /** Messages that list values hold at most maxBatchBytes of them, or a single value. */
    private void checkBytes(Message m) {
        List<Value> values = new ArrayList<>();
        if (m instanceof Message.Values v) {
            v.values().forEach(c -> values.add(c.value()));
        } else if (m instanceof Message.Promise p) {
            p.accepted().forEach(a -> values.add(a.value()));
            p.chosen().forEach(c -> values.add(c.value()));
        }
        long bytes = values.stream().mapToLong(Value::size).sum();
        int budget = s.nodes.get(m.from() - 1).cfg.maxBatchBytes();
        if (values.size() > 1 && bytes > budget) {
            throw new AssertionError("node " + m.from() + " sent " + values.size() + " values of " + bytes
                    + " bytes in one message, over maxBatchBytes " + budget + ": " + Describe.message(m));
        }
    }
}
