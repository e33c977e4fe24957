package io.paxosql.paxos;

import java.util.HashSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Phase 1 of the proposer: the pre-vote, the campaign, the promises (taken in by instance-range parts) and
 * the values they report, and a leader's re-election under a higher ballot. It owns the ballot and the
 * term; {@link Proposer} owns the role and phase 2, and takes over from here once a majority promised
 * ({@link Proposer#startLeading}, {@link Proposer#reproposeInFlight}).
 *
 * <p>Pre-vote: before a follower campaigns it asks every member whether it would promise the ballot it
 * means to use (the acceptor's checks, without the promise). Only after a majority said yes does it promise
 * its own ballot and send prepares. A node that wakes from a stall or rejoins after a partition finds its
 * timers expired, but the members that honour a live lease refuse it, so it raises no promise (its own
 * acceptor's included) that would make the live leader's renewals and accepts fail; it learns the leader
 * from the leader's next message instead.
 */
final class Election {

    private final PaxosNode n;
    Ballot ballot = Ballot.ZERO;
    /**
     * The ballot this node won its current leadership with: the epoch of every value it creates and the one
     * its status reports. A leader that runs phase 1 again ({@link #reelect}) raises its ballot, not its term.
     */
    Ballot term = Ballot.ZERO;
    /** A leader running phase 1 again under a higher ballot while it holds its lease. */
    boolean reelecting;
    private long maxRoundSeen;

    /** Acceptors whose promise of {@link #ballot} is complete; phase 2 proposes only under a majority of them. */
    final Set<Integer> promisers = new HashSet<>();
    /** Instance ranges of the promise parts received from acceptors not yet counted as promisers. */
    private final PromiseCoverage promiseParts = new PromiseCoverage();
    /** Highest-ballot value reported per instance not yet assigned; phase 2 re-proposes and removes them. */
    final TreeMap<Long, AcceptedValue> reports = new TreeMap<>();
    private long campaignStart;
    private long campaignSeq;
    private long lastPrepare;

    /** While a follower pre-votes: the ballot it asks about, who said yes, and when it asked. */
    private Ballot preVote;
    private final Set<Integer> preVoters = new HashSet<>();
    private long preVoteStart;
    private long lastPreVote;

    Election(PaxosNode n) {
        this.n = n;
    }

    // ---- pre-vote ----

    void maybeCampaign() {
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
        if (n.proposer.role != PaxosRole.FOLLOWER || preVote == null || !g.ballot().equals(preVote)) {
            return;
        }
        preVoters.add(g.from());
        // Our own acceptor may have promised someone else since we asked; ask mayCampaign() again.
        if (Membership.isMajority(preVoters, n.membership.at(n.learner.firstUnchosen)) && mayCampaign()) {
            campaign();
        }
    }

    // ---- phase 1 ----

    private void campaign() {
        preVote = null;
        long round = nextRound();
        ballot = new Ballot(round, n.self());
        maxRoundSeen = round;
        n.proposer.role = PaxosRole.CANDIDATE;
        promisers.clear();
        promiseParts.clear();
        reports.clear();
        n.lease.restart();
        n.proposer.clearBarrier();
        campaignStart = n.now;
        campaignSeq = n.lease.newRequest();
        sendPrepare(campaignSeq, false);
    }

    /** A candidate's tick: give up after a lease's time, else ask again whoever has not promised. */
    void tickCandidate() {
        if (n.now >= campaignStart + n.cfg.leaseTicks()) {
            n.proposer.stepDown();
        } else if (n.now - lastPrepare >= n.cfg.retransmitTicks()) {
            sendPrepare(campaignSeq, true);
        }
    }

    /** A leader's tick: ask again whoever has not promised our ballot (a new member, a re-election). */
    void tickLeader(long seq) {
        if (n.now - lastPrepare >= n.cfg.retransmitTicks()) {
            sendPrepare(seq, true);
        }
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
        if (n.proposer.role == PaxosRole.FOLLOWER || !p.ballot().equals(ballot)) {
            return;
        }
        boolean recovering = n.proposer.role == PaxosRole.CANDIDATE || reelecting;
        // Every part is taken in as it comes: it left only after the promise was durable, so its reports
        // are complete for ballots below ours in its range (the acceptor accepts nothing below our ballot
        // since), and the highest report among any set of promisers that holds a majority is safe.
        for (ChosenValue c : p.chosen()) {
            n.learner.learn(c.instance(), c.value());
        }
        long floor = recovering ? n.learner.firstUnchosen : n.proposer.nextInstance();
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
        n.lease.onGrant(p.from(), p.seq());
        if (recovering && Membership.isMajority(promisers, n.membership.at(n.learner.firstUnchosen))) {
            if (reelecting) {
                reelected();
            } else {
                becomeLeader();
            }
        }
    }

    private void becomeLeader() {
        n.proposer.role = PaxosRole.LEADER;
        term = ballot;
        n.proposer.startLeading();
    }

    void onNack(Message.Nack k) {
        maxRoundSeen = Math.max(maxRoundSeen, k.promised().round());
        n.learner.noteBehind(k.from(), k.chosenBelow());
        if (n.proposer.role == PaxosRole.FOLLOWER && k.ballot().equals(preVote)
                && k.reason() == Message.NackReason.LOWER_BALLOT) {
            preVote = null; // ask again under a round above the promise we just heard of
        }
        if (n.proposer.role == PaxosRole.FOLLOWER || !k.ballot().equals(ballot)
                || k.reason() != Message.NackReason.LOWER_BALLOT) {
            return;
        }
        // A live lease means a majority granted it and refuses every other candidate until it ends, so a
        // higher promise reported by one acceptor is a stale or failed campaign (a Prepare that waited in a
        // stalled node's queue, a candidate that lost): keep leading, and run phase 1 again above that promise,
        // or the member refuses our accepts and renewals for as long as we lead (a 3-node cluster then has no
        // spare vote). A new leader whose barrier is not chosen yet counts too: the promises that elected it
        // were lease grants, so the same majority refuses other candidates. Without any of that, a majority
        // may really have moved on: step down.
        if (n.proposer.role == PaxosRole.LEADER && n.now < n.lease.deadline()) {
            reelect();
        } else {
            n.proposer.stepDown();
        }
    }

    // ---- re-election ----

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
        campaignSeq = n.lease.newRequest();
        sendPrepare(campaignSeq, false);
    }

    /** A majority promised the new ballot: phase 2 proposes again, under it, every instance in flight. */
    private void reelected() {
        reelecting = false;
        n.proposer.reproposeInFlight();
    }

    /** Our own acceptor promised someone else's higher ballot: we can no longer lead under ours. */
    void onLocalPromise(Ballot promised) {
        maxRoundSeen = Math.max(maxRoundSeen, promised.round());
        if (n.proposer.role != PaxosRole.FOLLOWER && promised.greaterThan(ballot)) {
            n.proposer.stepDown();
        }
    }

    /** On a step down: the promises and reports of our ballot are of no more use. */
    void forgetPromises() {
        reports.clear();
        promisers.clear();
        promiseParts.clear();
    }
}
