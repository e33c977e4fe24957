package io.paxosql.paxos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Candidate and leader: phase 1 over every instance from the first unchosen one, then phase 2 per
 * instance with up to alpha instances in flight, recovery of reported values, no-op gap filling, a no-op
 * barrier that ends recovery, batching of queued proposals, and the lease bookkeeping.
 *
 * <p>Pre-vote: before a follower campaigns it asks every member whether it would promise the ballot it
 * means to use (the acceptor's checks, without the promise). Only after a majority said yes does it promise
 * its own ballot and send prepares. A node that wakes from a stall or rejoins after a partition finds its
 * timers expired, but the members that honour a live lease refuse it, so it raises no promise (its own
 * acceptor's included) that would make the live leader's renewals and accepts fail; it learns the leader
 * from the leader's next message instead.
 *
 * <p>Lease: every prepare or renew carries a sequence number; the tick it left at is remembered. When a
 * majority granted one, the lease lasts until that tick + leaseTicks. The lease counts only once the
 * barrier is chosen, so a leader that recovered from a stale majority cannot claim it.
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
    Ballot ballot = Ballot.ZERO;
    /**
     * The ballot this node won its current leadership with: the epoch of every value it creates and the one
     * its status reports. A leader that runs phase 1 again ({@link #reelect}) raises its ballot, not its term.
     */
    Ballot term = Ballot.ZERO;
    /** A leader running phase 1 again under a higher ballot while it holds its lease. */
    private boolean reelecting;
    private long maxRoundSeen;

    private final Set<Integer> promisers = new HashSet<>();
    /** Instance ranges of the promise parts received from acceptors not yet counted as promisers. */
    private final PromiseCoverage promiseParts = new PromiseCoverage();
    /** Highest-ballot value reported per instance not yet assigned. */
    private final TreeMap<Long, AcceptedValue> reports = new TreeMap<>();
    private long campaignStart;
    private long campaignSeq;
    private long lastPrepare;

    /** While a follower pre-votes: the ballot it asks about, who said yes, and when it asked. */
    private Ballot preVote;
    private final Set<Integer> preVoters = new HashSet<>();
    private long preVoteStart;
    private long lastPreVote;

    private long next;
    private long barrier = -1;
    /** Our own barrier value got a majority under our ballot; learning the instance from others is not enough. */
    private boolean barrierChosen;
    private final TreeMap<Long, InFlight> inFlight = new TreeMap<>();
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();
    private boolean commitDirty;

    private long seq;
    private final TreeMap<Long, Long> seqSentAt = new TreeMap<>();
    private final Map<Long, Set<Integer>> grants = new HashMap<>();
    private long leaseDeadline = -1;
    private long lastRenew;

    Proposer(PaxosNode n) {
        this.n = n;
    }

    boolean holdsLease() {
        return role == PaxosRole.LEADER && barrierChosen && n.learner.firstUnchosen > barrier && n.now < leaseDeadline;
    }

    long leaseUntil() {
        return holdsLease() ? leaseDeadline : -1;
    }

    // ---- campaign ----

    void tick() {
        switch (role) {
            case FOLLOWER -> maybeCampaign();
            case CANDIDATE -> {
                if (n.now >= campaignStart + n.cfg.leaseTicks()) {
                    stepDown();
                } else if (n.now - lastPrepare >= n.cfg.retransmitTicks()) {
                    sendPrepare(campaignSeq, true);
                }
            }
            case LEADER -> {
                if (n.now >= leaseDeadline || !n.membership.at(n.learner.firstUnchosen).contains(n.self())) {
                    stepDown();
                    return;
                }
                if (n.now - lastRenew >= n.cfg.renewTicks()) {
                    renew();
                }
                if (n.now - lastPrepare >= n.cfg.retransmitTicks()) {
                    sendPrepare(seq, true);
                }
                if (!reelecting) { // what is in flight goes again under the new ballot once a majority promised it
                    retransmitAccepts();
                }
            }
        }
    }

    private void maybeCampaign() {
        if (!mayCampaign()) {
            preVote = null;
            return;
        }
        if (preVote == null || n.now >= preVoteStart + n.cfg.leaseTicks()) {
            preVote = new Ballot(nextRound(), n.self());
            preVoters.clear();
            preVoteStart = n.now;
            sendPreVote(false);
        } else if (n.now - lastPreVote >= n.cfg.retransmitTicks()) {
            sendPreVote(true);
        }
    }

    /** Allowed, a member, and the lease this node last saw (its own view of it) lapsed a wait ago. */
    private boolean mayCampaign() {
        if (!n.campaignAllowed) {
            return false;
        }
        SortedSet<Integer> members = n.membership.at(n.learner.firstUnchosen);
        if (!members.contains(n.self())) {
            return false;
        }
        int rank = members.headSet(n.self()).size();
        long wait = n.cfg.electionTicks() + (long) rank * Math.max(1, n.cfg.electionTicks() / 2);
        return n.now >= n.acceptor.leaseViewUntil + wait;
    }

    /** The highest round this node used or heard of as a proposer. */
    long highestRoundSeen() {
        return Math.max(maxRoundSeen, ballot.round());
    }

    private long nextRound() {
        return Math.max(maxRoundSeen, Math.max(ballot.round(), n.acceptor.promised.round())) + 1;
    }

    private void sendPreVote(boolean onlyMissing) {
        lastPreVote = n.now;
        long from = n.learner.firstUnchosen;
        for (int m : n.membership.from(from)) {
            if (!onlyMissing || !preVoters.contains(m)) {
                n.send(new Message.PreVote(n.cfg.clusterId(), n.self(), m, preVote, from));
            }
        }
    }

    void onPreVoteGrant(Message.PreVoteGrant g) {
        if (role != PaxosRole.FOLLOWER || preVote == null || !g.ballot().equals(preVote)) {
            return;
        }
        preVoters.add(g.from());
        // Our own acceptor may have promised someone else since we asked; ask mayCampaign() again.
        if (Membership.isMajority(preVoters, n.membership.at(n.learner.firstUnchosen)) && mayCampaign()) {
            campaign();
        }
    }

    private void campaign() {
        preVote = null;
        long round = nextRound();
        ballot = new Ballot(round, n.self());
        maxRoundSeen = round;
        role = PaxosRole.CANDIDATE;
        promisers.clear();
        promiseParts.clear();
        reports.clear();
        grants.clear();
        seqSentAt.clear();
        leaseDeadline = -1;
        barrier = -1;
        barrierChosen = false;
        campaignStart = n.now;
        campaignSeq = ++seq;
        seqSentAt.put(campaignSeq, n.now);
        sendPrepare(campaignSeq, false);
    }

    private void sendPrepare(long s, boolean onlyMissing) {
        lastPrepare = n.now;
        long from = n.learner.firstUnchosen;
        for (int m : n.membership.from(from)) {
            if (!onlyMissing || !promisers.contains(m)) {
                Message.Prepare p = new Message.Prepare(n.cfg.clusterId(), n.self(), m, ballot, from, s);
                if (m == n.self()) {
                    n.send(p); // our own acceptor promises at once: that record reserves the ballot
                } else {
                    // A ballot must be durable before anyone sees it, or a restart could reuse it for
                    // another value while old Accepted replies for it are still on the wire.
                    n.outbox.sendAfterPersist(p);
                }
            }
        }
    }

    void onPromise(Message.Promise p) {
        if (role == PaxosRole.FOLLOWER || !p.ballot().equals(ballot)) {
            return;
        }
        boolean recovering = role == PaxosRole.CANDIDATE || reelecting;
        // Every part is taken in as it comes: it left only after the promise was durable, so its reports
        // are complete for ballots below ours in its range (the acceptor accepts nothing below our ballot
        // since), and the highest report among any set of promisers that holds a majority is safe.
        for (ChosenValue c : p.chosen()) {
            n.learner.learn(c.instance(), c.value());
        }
        long floor = recovering ? n.learner.firstUnchosen : next;
        for (AcceptedValue a : p.accepted()) {
            if (a.instance() >= floor && !n.learner.isChosen(a.instance())) {
                AcceptedValue old = reports.get(a.instance());
                if (old == null || a.ballot().greaterThan(old.ballot())) {
                    reports.put(a.instance(), a);
                }
            }
        }
        // The acceptor counts once its parts cover every unchosen instance: a report missing from a lost
        // part would make us take an instance it accepted for unaccepted.
        if (!promisers.contains(p.from()) && promiseParts.covers(p.from(), p.fromInstance(), p.untilInstance(),
                n.learner.firstUnchosen)) {
            promisers.add(p.from());
        }
        onGrant(p.from(), p.seq());
        if (recovering && Membership.isMajority(promisers, n.membership.at(n.learner.firstUnchosen))) {
            if (reelecting) {
                reelected();
            } else {
                becomeLeader();
            }
        }
    }

    private void becomeLeader() {
        role = PaxosRole.LEADER;
        term = ballot;
        next = n.learner.firstUnchosen;
        reports.headMap(next).clear();
        barrier = reports.isEmpty() ? next : Math.max(next, reports.lastKey() + 1);
        lastRenew = n.now;
    }

    void onNack(Message.Nack k) {
        maxRoundSeen = Math.max(maxRoundSeen, k.promised().round());
        n.learner.noteBehind(k.from(), k.chosenBelow());
        if (role == PaxosRole.FOLLOWER && k.ballot().equals(preVote) && k.reason() == Message.NackReason.LOWER_BALLOT) {
            preVote = null; // ask again under a round above the promise we just heard of
        }
        if (role == PaxosRole.FOLLOWER || !k.ballot().equals(ballot) || k.reason() != Message.NackReason.LOWER_BALLOT) {
            return;
        }
        // A live lease means a majority granted it and refuses every other candidate until it ends, so a
        // higher promise reported by one acceptor is a stale or failed campaign (a Prepare that waited in a
        // stalled node's queue, a candidate that lost): keep leading, and run phase 1 again above that promise,
        // or the member refuses our accepts and renewals for as long as we lead (a 3-node cluster then has no
        // spare vote). A new leader whose barrier is not chosen yet counts too: the promises that elected it
        // were lease grants, so the same majority refuses other candidates. Without any of that, a majority
        // may really have moved on: step down.
        if (role == PaxosRole.LEADER && n.now < leaseDeadline) {
            reelect();
        } else {
            stepDown();
        }
    }

    /**
     * Phase 1 again under a ballot above every promise heard of, keeping the role, the lease, the term and
     * the work: the members that honour our lease promise at once (a promise is a lease grant too), and the
     * member that promised a higher ballot promises ours. Until a majority promised, nothing new is proposed;
     * votes for values in flight still count under the ballot they were sent with (a majority of them chooses
     * the value). Then {@link #reelected} re-proposes every instance in flight under the new ballot.
     */
    private void reelect() {
        long round = nextRound();
        ballot = new Ballot(round, n.self());
        maxRoundSeen = round;
        reelecting = true;
        promisers.clear();
        promiseParts.clear();
        reports.clear();
        campaignSeq = ++seq;
        seqSentAt.put(campaignSeq, n.now);
        sendPrepare(campaignSeq, false);
    }

    /**
     * A majority promised the new ballot: each instance in flight is proposed again under it, with the
     * highest value the promises reported there or else our own (nothing was accepted above our old ballot by
     * the majority, so our value is free to choose). Proposals in it complete when it is chosen; a value of
     * ours displaced by a reported one is in doubt, as after a step down.
     */
    private void reelected() {
        reelecting = false;
        inFlight.headMap(n.learner.firstUnchosen).clear();
        for (long i = n.learner.firstUnchosen; i < next; i++) {
            InFlight old = inFlight.remove(i);
            AcceptedValue reported = reports.remove(i);
            if (n.learner.isChosen(i)) {
                continue;
            }
            Value v = reported != null ? reported.value() : old != null ? old.value : Value.noop(term);
            if (old != null && !old.value.equals(v)) {
                inDoubt(old);
            }
            sendAccepts(i, v);
        }
    }

    /** Our own acceptor promised someone else's higher ballot: we can no longer lead under ours. */
    void onLocalPromise(Ballot promised) {
        maxRoundSeen = Math.max(maxRoundSeen, promised.round());
        if (role != PaxosRole.FOLLOWER && promised.greaterThan(ballot)) {
            stepDown();
        }
    }

    void stepDown() {
        if (role == PaxosRole.FOLLOWER) {
            return;
        }
        role = PaxosRole.FOLLOWER;
        reelecting = false;
        for (InFlight f : inFlight.values()) {
            inDoubt(f);
        }
        inFlight.clear();
        for (Entry e : pending) {
            n.outbox.dropped(e.proposalId());
        }
        pending.clear();
        reports.clear();
        promisers.clear();
        promiseParts.clear();
        leaseDeadline = -1;
        barrier = -1;
        barrierChosen = false;
        n.acceptor.releaseOwnView();
    }

    /** Our own values in {@code f} (recovered ones are no proposal of this run) may or may not be chosen. */
    private void inDoubt(InFlight f) {
        if (f.value.epoch().equals(term)) {
            for (Entry e : f.value.entries()) {
                n.outbox.inDoubt(e.proposalId());
            }
        }
    }

    // ---- lease ----

    private void renew() {
        lastRenew = n.now;
        long s = ++seq;
        seqSentAt.put(s, n.now);
        // Grants for requests older than one lease can no longer extend it.
        seqSentAt.values().removeIf(t -> t + n.cfg.leaseTicks() <= n.now);
        grants.keySet().removeIf(k -> !seqSentAt.containsKey(k));
        long from = n.learner.firstUnchosen;
        for (int m : n.membership.from(from)) {
            n.send(new Message.Renew(n.cfg.clusterId(), n.self(), m, ballot, s, from));
        }
    }

    void onGrant(int from, long s) {
        Long sentAt = seqSentAt.get(s);
        if (sentAt == null || role == PaxosRole.FOLLOWER) {
            return;
        }
        Set<Integer> g = grants.computeIfAbsent(s, k -> new HashSet<>());
        g.add(from);
        if (Membership.isMajority(g, n.membership.at(n.learner.firstUnchosen))) {
            leaseDeadline = Math.max(leaseDeadline, sentAt + n.cfg.leaseTicks());
        }
    }

    void onGrantMessage(Message.Grant g) {
        if (g.ballot().equals(ballot)) {
            onGrant(g.from(), g.seq());
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
        if (reelecting) {
            return false;
        }
        long end = n.learner.firstUnchosen + n.cfg.alpha();
        long k = next;
        while (k < end && n.learner.isChosen(k)) {
            k++;
        }
        if (k >= end || !Membership.isMajority(promisers, n.membership.at(k))) {
            return false;
        }
        if (reports.containsKey(k) || k <= barrier) {
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
        if (!reelecting) {
            assign();
        }
        if (commitDirty) {
            commitDirty = false;
            long below = n.learner.firstUnchosen;
            for (int m : n.membership.from(below)) {
                if (m != n.self()) {
                    n.send(new Message.Commit(n.cfg.clusterId(), n.self(), m, ballot, below));
                }
            }
        }
    }

    private void assign() {
        inFlight.headMap(n.learner.firstUnchosen).clear();
        reports.headMap(next).clear();
        while (next < n.learner.firstUnchosen + n.cfg.alpha()) {
            if (n.learner.isChosen(next)) {
                next++;
                continue;
            }
            SortedSet<Integer> members = n.membership.at(next);
            if (!Membership.isMajority(promisers, members)) {
                break; // a newly added member has not promised yet; tick() keeps asking it
            }
            AcceptedValue reported = reports.remove(next);
            Value v;
            if (reported != null) {
                v = reported.value();
            } else if (next <= barrier) {
                v = Value.noop(term);
            } else {
                v = batch();
                if (v == null && next < n.membership.latestStart()) {
                    // A chosen change waits for the log to reach the instance where it takes effect; an idle
                    // cluster would never get there, so no-ops carry it (a window at most).
                    v = Value.noop(term);
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
        inFlight.put(instance, new InFlight(v, ballot, n.now));
        for (int m : n.membership.at(instance)) {
            n.send(new Message.Accept(n.cfg.clusterId(), n.self(), m, ballot, instance, v, n.learner.firstUnchosen));
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
                return new Value(term, List.of(first));
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
            return changeInFlight ? null : Value.noop(term);
        }
        return new Value(term, out);
    }

    /** A change proposed and not yet applied to the member set, so the next change must wait. */
    private boolean changeInFlight() {
        // Changes recovered from a deposed leader but not yet re-proposed count as in flight too, and one
        // chosen out of order is not applied to the member set yet.
        return inFlight.values().stream().anyMatch(f -> f.value.isMembershipChange())
                || reports.values().stream().anyMatch(a -> a.value().isMembershipChange())
                || n.learner.hasEarlyChange();
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
