package io.paxosql.paxos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Candidate and leader: the role, and phase 2 per instance with up to alpha instances in flight, recovery
 * of reported values, no-op gap filling, a no-op barrier that ends recovery, and batching of queued
 * proposals. Phase 1 (pre-vote, campaign, promises, re-election; the ballot and the term) is {@link
 * Election}'s; the lease from grants is {@link LeaderLease}'s. The lease counts only once the barrier is
 * chosen, so a leader that recovered from a stale majority cannot claim it.
 */
final class Proposer {

    private static final class InFlight {
        final Value value;
        /** The ballot its Accepts carry: votes count only under it. */
        final Ballot ballot;
        final Set<Integer> votes = new HashSet<>();
        long sentAt;

        InFlight(Value value, Ballot ballot, long sentAt) {
            this.value = value;
            this.ballot = ballot;
            this.sentAt = sentAt;
        }
    }

    private final PaxosNode n;
    PaxosRole role = PaxosRole.FOLLOWER;

    private long next;
    private long barrier = -1;
    /** Our own barrier value got a majority under our ballot; learning the instance from others is not enough. */
    private boolean barrierChosen;
    private final TreeMap<Long, InFlight> inFlight = new TreeMap<>();
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();
    private boolean commitDirty;

    Proposer(PaxosNode n) {
        this.n = n;
    }

    boolean holdsLease() {
        return role == PaxosRole.LEADER && barrierChosen && n.learner.firstUnchosen > barrier
                && n.now < n.lease.deadline();
    }

    long leaseUntil() {
        return holdsLease() ? n.lease.deadline() : -1;
    }

    void tick() {
        switch (role) {
            case FOLLOWER -> n.election.maybeCampaign();
            case CANDIDATE -> n.election.tickCandidate();
            case LEADER -> {
                if (n.now >= n.lease.deadline() || !n.membership.at(n.learner.firstUnchosen).contains(n.self())) {
                    stepDown();
                    return;
                }
                if (n.lease.renewDue()) {
                    n.lease.renew(n.election.ballot);
                }
                n.election.tickLeader(n.lease.lastSeq());
                // What is in flight goes again under the new ballot once a majority promised it.
                if (!n.election.reelecting) {
                    retransmitAccepts();
                }
            }
        }
    }

    // ---- taking over from phase 1 ----

    /** A new campaign: no barrier yet. */
    void clearBarrier() {
        barrier = -1;
        barrierChosen = false;
    }

    /** The next instance phase 2 assigns; promises report accepted values only from there on. */
    long nextInstance() {
        return next;
    }

    /** Elected: phase 2 starts at the first unchosen instance; the barrier goes above every reported value. */
    void startLeading() {
        next = n.learner.firstUnchosen;
        TreeMap<Long, AcceptedValue> reports = n.election.reports;
        reports.headMap(next).clear();
        barrier = reports.isEmpty() ? next : Math.max(next, reports.lastKey() + 1);
        n.lease.renewedNow();
    }

    /**
     * Re-elected under a higher ballot: each instance in flight is proposed again under it, with the
     * highest value the promises reported there or else our own (nothing was accepted above our old ballot by
     * the majority, so our value is free to choose). Proposals in it complete when it is chosen; a value of
     * ours displaced by a reported one is in doubt, as after a step down.
     */
    void reproposeInFlight() {
        inFlight.headMap(n.learner.firstUnchosen).clear();
        for (long i = n.learner.firstUnchosen; i < next; i++) {
            InFlight old = inFlight.remove(i);
            AcceptedValue reported = n.election.reports.remove(i);
            if (n.learner.isChosen(i)) {
                continue;
            }
            Value v = reported != null ? reported.value() : old != null ? old.value : Value.noop(n.election.term);
            if (old != null && !old.value.equals(v)) {
                inDoubt(old);
            }
            sendAccepts(i, v);
        }
    }

    void stepDown() {
        if (role == PaxosRole.FOLLOWER) {
            return;
        }
        role = PaxosRole.FOLLOWER;
        n.election.reelecting = false;
        for (InFlight f : inFlight.values()) {
            inDoubt(f);
        }
        inFlight.clear();
        for (Entry e : pending) {
            n.outbox.dropped(e.proposalId());
        }
        pending.clear();
        n.election.forgetPromises();
        n.lease.lapse();
        barrier = -1;
        barrierChosen = false;
        n.acceptor.releaseOwnView();
    }

    /** Our own values in {@code f} (recovered ones are no proposal of this run) may or may not be chosen. */
    private void inDoubt(InFlight f) {
        if (f.value.epoch().equals(n.election.term)) {
            for (Entry e : f.value.entries()) {
                n.outbox.inDoubt(e.proposalId());
            }
        }
    }

    // ---- phase 2 ----

    ProposeResult propose(Entry e) {
        if (role != PaxosRole.LEADER) {
            return new ProposeResult(ProposeResult.Outcome.NOT_LEADER, n.leaderHint(), "node " + n.self()
                    + " is " + role + "; propose to the leader");
        }
        if (e.size() + 16 > n.cfg.maxBatchBytes()) {
            return new ProposeResult(ProposeResult.Outcome.TOO_LARGE, n.self(), "proposal of " + e.size()
                    + " bytes exceeds maxBatchBytes " + n.cfg.maxBatchBytes() + "; split it");
        }
        if (pending.size() >= n.cfg.maxPending()) {
            return new ProposeResult(ProposeResult.Outcome.BUSY, n.self(), pending.size()
                    + " proposals queued; retry once some are chosen");
        }
        if (!(e instanceof Entry.Data) && !n.membership.isValidChange(e)) {
            return new ProposeResult(ProposeResult.Outcome.INVALID, n.self(), e + " is not a single add or remove of "
                    + n.membership.latest());
        }
        pending.add(e);
        return ProposeResult.queued();
    }

    /**
     * Whether {@link #fill()} would assign an instance or send a commit. It must never say yes when fill()
     * would do nothing: an owner loops while the node has a Ready, so a yes that fill() cannot honour (a new
     * member that has not promised, a change waiting behind one in flight) spins its thread forever.
     */
    boolean hasWork() {
        if (role != PaxosRole.LEADER) {
            return false;
        }
        if (commitDirty) {
            return true;
        }
        if (n.election.reelecting) {
            return false;
        }
        long end = n.learner.firstUnchosen + n.cfg.alpha();
        long k = next;
        while (k < end && n.learner.isChosen(k)) {
            k++;
        }
        if (k >= end || !Membership.isMajority(n.election.promisers, n.membership.at(k))) {
            return false;
        }
        if (n.election.reports.containsKey(k) || k <= barrier) {
            return true;
        }
        boolean batchable = pending.stream().anyMatch(e -> e instanceof Entry.Data)
                || (!pending.isEmpty() && !changeInFlight());
        return batchable || k < n.membership.latestStart();
    }

    /** Assigns instances while the window has room: recovered values, gap no-ops, the barrier, batches. */
    void fill() {
        if (role != PaxosRole.LEADER) {
            return;
        }
        if (!barrierChosen && n.learner.firstUnchosen > barrier) {
            // Our barrier instance was decided without our quorum: another leader got there; we cannot
            // claim the lease on the strength of someone else's choice.
            stepDown();
            return;
        }
        if (!n.election.reelecting) {
            assign();
        }
        if (commitDirty) {
            commitDirty = false;
            long below = n.learner.firstUnchosen;
            for (int m : n.membership.from(below)) {
                if (m != n.self()) {
                    n.send(new Message.Commit(n.cfg.clusterId(), n.self(), m, n.election.ballot, below));
                }
            }
        }
    }

    private void assign() {
        inFlight.headMap(n.learner.firstUnchosen).clear();
        n.election.reports.headMap(next).clear();
        while (next < n.learner.firstUnchosen + n.cfg.alpha()) {
            if (n.learner.isChosen(next)) {
                next++;
                continue;
            }
            SortedSet<Integer> members = n.membership.at(next);
            if (!Membership.isMajority(n.election.promisers, members)) {
                break; // a newly added member has not promised yet; tick() keeps asking it
            }
            AcceptedValue reported = n.election.reports.remove(next);
            Value v;
            if (reported != null) {
                v = reported.value();
            } else if (next <= barrier) {
                v = Value.noop(n.election.term);
            } else {
                v = batch();
                if (v == null && next < n.membership.latestStart()) {
                    // A chosen change waits for the log to reach the instance where it takes effect; an idle
                    // cluster would never get there, so no-ops carry it (a window at most).
                    v = Value.noop(n.election.term);
                }
                if (v == null) {
                    break;
                }
            }
            sendAccepts(next, v);
            next++;
        }
    }

    private void sendAccepts(long instance, Value v) {
        inFlight.put(instance, new InFlight(v, n.election.ballot, n.now));
        for (int m : n.membership.at(instance)) {
            n.send(new Message.Accept(n.cfg.clusterId(), n.self(), m, n.election.ballot, instance, v,
                    n.learner.firstUnchosen));
        }
    }

    /**
     * The next instance value from the queue. A membership change goes alone, and only once the previous
     * change is in force; while it waits, data queued behind it goes first, or a no-op moves the log on to
     * the instance where the previous change takes effect.
     */
    private Value batch() {
        Entry first = pending.peek();
        if (first == null) {
            return null;
        }
        boolean changeInFlight = changeInFlight();
        if (!(first instanceof Entry.Data)) {
            if (!changeInFlight && n.membership.latestStart() <= next) {
                pending.poll();
                if (!n.membership.isValidChange(first)) {
                    n.outbox.dropped(first.proposalId());
                    return batch();
                }
                return new Value(n.election.term, List.of(first));
            }
        }
        List<Entry> out = new ArrayList<>();
        int size = 16;
        for (Iterator<Entry> it = pending.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e instanceof Entry.Data) {
                if (size + e.size() > n.cfg.maxBatchBytes()) {
                    break;
                }
                out.add(e);
                size += e.size();
                it.remove();
            }
        }
        if (out.isEmpty()) {
            return changeInFlight ? null : Value.noop(n.election.term);
        }
        return new Value(n.election.term, out);
    }

    /**
     * A change proposed and not yet applied to the member set, so the next change must wait; so must it while
     * the lease may rest on the grants of a set older than the newest ({@link LeaderLease#restsOnOlderSet}).
     */
    private boolean changeInFlight() {
        // Changes recovered from a deposed leader but not yet re-proposed count as in flight too, and one
        // chosen out of order is not applied to the member set yet.
        return inFlight.values().stream().anyMatch(f -> f.value.isMembershipChange())
                || n.election.reports.values().stream().anyMatch(a -> a.value().isMembershipChange())
                || n.learner.hasEarlyChange() || n.lease.restsOnOlderSet();
    }

    void onAccepted(Message.Accepted a) {
        if (role != PaxosRole.LEADER) {
            return;
        }
        InFlight f = inFlight.get(a.instance());
        SortedSet<Integer> members = n.membership.at(a.instance());
        if (f == null || !a.ballot().equals(f.ballot) || !members.contains(a.from())) {
            return;
        }
        f.votes.add(a.from());
        if (Membership.isMajority(f.votes, members)) {
            if (a.instance() == barrier) {
                barrierChosen = true;
            }
            inFlight.remove(a.instance());
            n.learner.learn(a.instance(), f.value);
            commitDirty = true;
        }
    }

    private void retransmitAccepts() {
        for (Map.Entry<Long, InFlight> e : inFlight.entrySet()) {
            InFlight f = e.getValue();
            if (n.now - f.sentAt < n.cfg.retransmitTicks()) {
                continue;
            }
            f.sentAt = n.now;
            for (int m : n.membership.at(e.getKey())) {
                if (m != n.self() && !f.votes.contains(m)) {
                    n.send(new Message.Accept(n.cfg.clusterId(), n.self(), m, f.ballot, e.getKey(), f.value,
                            n.learner.firstUnchosen));
                }
            }
        }
    }
}
