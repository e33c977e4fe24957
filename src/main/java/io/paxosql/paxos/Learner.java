package io.paxosql.paxos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chosen values: the retained prefix (served to peers that catch up), values learned out of order, the
 * commit point, and the catch-up loop of a node that is behind.
 */
final class Learner {

    private final PaxosNode n;
    long firstRetained;
    long firstUnchosen;
    /** Chosen values in [firstRetained, firstUnchosen). */
    private final TreeMap<Long, Value> retained = new TreeMap<>();
    /** Chosen values at or above firstUnchosen, learned before their predecessors. */
    private final TreeMap<Long, Value> early = new TreeMap<>();
    /** Highest commit point any peer told us about, and who. */
    long knownChosenBelow;
    private int catchUpPeer = -1;
    private long catchUpSentAt = Long.MIN_VALUE / 2;
    /** Where the catch-up request last sent started. */
    private long catchUpFrom;
    private long lastProbe;
    private long probes;

    Learner(PaxosNode n, PersistentState s) {
        this.n = n;
        firstRetained = s.firstRetained();
        firstUnchosen = s.firstRetained();
        for (ChosenValue c : s.chosen()) {
            retained.put(c.instance(), c.value());
            firstUnchosen = c.instance() + 1;
        }
        knownChosenBelow = firstUnchosen;
    }

    boolean isChosen(long instance) {
        return instance < firstUnchosen || early.containsKey(instance);
    }

    /** Whether a membership change is known chosen but waits for earlier instances before it applies. */
    boolean hasEarlyChange() {
        for (Value v : early.values()) {
            if (v.isMembershipChange()) {
                return true;
            }
        }
        return false;
    }

    /** Records that {@code v} is chosen at {@code instance}; emits every value that became contiguous. */
    void learn(long instance, Value v) {
        if (instance < firstUnchosen) {
            Value known = retained.get(instance);
            if (known != null && !known.equals(v)) {
                throw new IllegalStateException("safety violation on node " + n.self() + ": instance " + instance
                        + " chosen as " + known + " and now reported as " + v);
            }
            return;
        }
        Value prev = early.putIfAbsent(instance, v);
        if (prev != null && !prev.equals(v)) {
            throw new IllegalStateException("safety violation on node " + n.self() + ": instance " + instance
                    + " learned as " + prev + " and as " + v);
        }
        Value next;
        while ((next = early.remove(firstUnchosen)) != null) {
            long i = firstUnchosen;
            if (next.isMembershipChange()) {
                // Before the Chosen record: a torn write that keeps only this one still restores correctly.
                Durable.Members m = n.membership.apply(i, next.entries().get(0));
                if (m != null) {
                    n.outbox.persist(m);
                }
            }
            n.outbox.persist(new Durable.Chosen(i, next));
            n.outbox.chosen(new ChosenValue(i, next));
            retained.put(i, next);
            n.acceptor.accepted.remove(i);
            firstUnchosen = i + 1;
            n.lease.logAdvanced();
        }
    }

    /** A leader under {@code ballot} says everything below {@code chosenBelow} is chosen. */
    void noteCommit(int peer, Ballot ballot, long chosenBelow) {
        if (chosenBelow <= firstUnchosen) {
            return;
        }
        for (Map.Entry<Long, AcceptedValue> e
                : new ArrayList<>(n.acceptor.accepted.subMap(firstUnchosen, chosenBelow).entrySet())) {
            if (e.getValue().ballot().equals(ballot)) {
                learn(e.getKey(), e.getValue().value());
            }
        }
        noteBehind(peer, chosenBelow);
    }

    /** A peer knows values up to {@code chosenBelow}; ask it if we lack some. */
    void noteBehind(int peer, long chosenBelow) {
        knownChosenBelow = Math.max(knownChosenBelow, chosenBelow);
        // Ask whoever reported the most lately; a peer that is behind itself gets replaced at once.
        if (peer != n.self() && (chosenBelow >= knownChosenBelow || peer == catchUpPeer)) {
            catchUpPeer = chosenBelow > firstUnchosen ? peer : -1;
        }
        maybeCatchUp();
    }

    void tick() {
        maybeCatchUp();
        probe();
    }

    /**
     * With no leader in view nobody tells us the commit point; ask the members we know in turn. Without
     * this a node that fell behind a membership change that made it the only member never learns so.
     */
    private void probe() {
        long every = (long) n.cfg.leaseTicks() + n.cfg.leaseMarginTicks();
        if (n.acceptor.leaseViewValid() || n.now < Math.max(lastProbe, n.acceptor.leaseViewUntil) + every) {
            return;
        }
        lastProbe = n.now;
        List<Integer> peers = new ArrayList<>(n.membership.from(firstUnchosen));
        peers.remove((Integer) n.self());
        if (!peers.isEmpty()) {
            int peer = peers.get((int) (probes++ % peers.size()));
            n.send(new Message.CatchUp(n.cfg.clusterId(), n.self(), peer, firstUnchosen, n.cfg.catchUpBatch()));
        }
    }

    private void maybeCatchUp() {
        if (firstUnchosen >= knownChosenBelow || catchUpPeer < 0 || catchUpPeer == n.self()
                || n.now - catchUpSentAt < n.cfg.retransmitTicks()) {
            return;
        }
        catchUpSentAt = n.now;
        catchUpFrom = firstUnchosen;
        n.send(new Message.CatchUp(n.cfg.clusterId(), n.self(), catchUpPeer, firstUnchosen, n.cfg.catchUpBatch()));
    }

    void onCatchUp(Message.CatchUp c) {
        if (c.fromInstance() < firstRetained) {
            n.send(new Message.SnapshotNeeded(n.cfg.clusterId(), n.self(), c.from(), firstRetained, firstUnchosen));
        } else if (c.fromInstance() < firstUnchosen) {
            // The whole answer at once, cut into messages of about one value's bytes: an answer carries up to
            // catchUpBatch values (at least the leader's window, alpha), so a lagging node gains on a log that
            // grows by at most a window per round trip even when every value is as large as a message may be.
            List<ChosenValue> answer = retainedFrom(c.fromInstance(), Math.min(c.max(), n.cfg.catchUpBatch()));
            for (Message.Values v : MessageParts.values(n.cfg.clusterId(), n.self(), c.from(), answer, firstUnchosen,
                    n.cfg.maxBatchBytes())) {
                n.send(v);
            }
        }
    }

    void onValues(Message.Values v) {
        long before = firstUnchosen;
        for (ChosenValue c : v.values()) {
            learn(c.instance(), c.value());
        }
        // Progress at the end of an answer: ask for the next one at once. Not before its last message, or
        // each message of one answer would draw a whole answer again; a lost last message costs one
        // retransmit period.
        if (v.last() && firstUnchosen > Math.min(before, catchUpFrom)) {
            catchUpSentAt = Long.MIN_VALUE / 2;
        }
        noteBehind(v.from(), v.chosenBelow());
    }

    void onSnapshotNeeded(Message.SnapshotNeeded s) {
        if (s.firstRetained() > firstUnchosen) {
            n.outbox.snapshotNeeded(s);
        }
    }

    /** Up to {@code max} retained chosen values from {@code from} on. */
    List<ChosenValue> retainedFrom(long from, int max) {
        List<ChosenValue> out = new ArrayList<>();
        for (Map.Entry<Long, Value> e : retained.tailMap(from, true).entrySet()) {
            if (out.size() >= max) {
                break;
            }
            out.add(new ChosenValue(e.getKey(), e.getValue()));
        }
        return out;
    }

    Value retained(long instance) {
        return retained.get(instance);
    }

    void compact(long below) {
        if (below > firstUnchosen) {
            throw new IllegalArgumentException("cannot compact below " + below + ": only instances below "
                    + firstUnchosen + " are chosen here");
        }
        if (below > firstRetained) {
            retained.headMap(below).clear();
            firstRetained = below;
        }
    }
}
