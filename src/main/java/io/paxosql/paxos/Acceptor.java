package io.paxosql.paxos;

import java.util.List;
import java.util.TreeMap;

/**
 * The acceptor role: one promise covering all instances, accepted values of unchosen instances, and this
 * node's view of who holds the master lease. While that view is valid it promises nobody else, which is
 * what keeps two leases from overlapping: the view lasts {@code leaseMarginTicks} longer than the lease
 * the leader computes for itself from the same grant.
 */
final class Acceptor {

    /** Lease holder after a restart: unknown, so the view blocks every candidate. */
    static final int UNKNOWN_HOLDER = -2;
    /**
     * A view of our own lease after our proposer stopped: it still blocks every candidate until it lapses
     * (the timing stays as it was), but names nobody and lets the leader's renewals be granted.
     */
    static final int RELEASED = -3;

    private final PaxosNode n;
    Ballot promised;
    final TreeMap<Long, AcceptedValue> accepted = new TreeMap<>();
    int leaseHolder = -1;
    long leaseViewUntil;
    /** The node whose accept, renewal or commit came last under {@link #heardBallot}, and until when that counts. */
    private int heardFrom = -1;
    private Ballot heardBallot = Ballot.ZERO;
    private long heardUntil;

    Acceptor(PaxosNode n, PersistentState s) {
        this.n = n;
        Ballot p = s.promised();
        for (AcceptedValue a : s.accepted()) {
            AcceptedValue old = accepted.get(a.instance());
            if (old == null || a.ballot().greaterThan(old.ballot())) {
                accepted.put(a.instance(), a);
            }
            p = Ballot.max(p, a.ballot());
        }
        promised = p;
        // We may have granted a lease just before the crash and forgotten whom to: honour it for a full view.
        leaseHolder = UNKNOWN_HOLDER;
        leaseViewUntil = n.now + leaseView();
    }

    boolean leaseViewValid() {
        return n.now < leaseViewUntil;
    }

    void onPrepare(Message.Prepare p) {
        Learner l = n.learner;
        Message.NackReason no = refusal(p.from(), p.ballot(), p.fromInstance());
        if (no != null) {
            nack(p.from(), p.ballot(), no);
            return;
        }
        raise(p.ballot());
        grantView(p.from());
        // In parts of about one value each: the accepted values above the chosen point are not bounded by the
        // window (an acceptor with a gap keeps what it accepted above it), so no count or byte cap on one
        // message could be proven enough. A lost part is asked for again by the candidate's retransmitted
        // prepare, which gets every part anew.
        List<ChosenValue> chosen = l.retainedFrom(p.fromInstance(), Integer.MAX_VALUE);
        for (Message.Promise part : MessageParts.promise(n.cfg.clusterId(), n.self(), p, accepted, chosen,
                n.cfg.maxBatchBytes())) {
            n.outbox.sendAfterPersist(part);
        }
        n.afterPromise();
    }

    /** The answer a Prepare would get now, without promising anything. */
    void onPreVote(Message.PreVote v) {
        Message.NackReason no = refusal(v.from(), v.ballot(), v.fromInstance());
        if (no != null) {
            nack(v.from(), v.ballot(), no);
        } else {
            n.send(new Message.PreVoteGrant(n.cfg.clusterId(), n.self(), v.from(), v.ballot()));
        }
    }

    /** Why a candidate may not have our promise for {@code ballot} from {@code fromInstance} now, or null. */
    private Message.NackReason refusal(int candidate, Ballot ballot, long fromInstance) {
        Learner l = n.learner;
        if (ballot.compareTo(promised) < 0) {
            return Message.NackReason.LOWER_BALLOT;
        }
        if (leaseViewValid() && leaseHolder != candidate) {
            return Message.NackReason.LEASE_HELD;
        }
        if (fromInstance < l.firstRetained || l.firstUnchosen - fromInstance > n.cfg.catchUpBatch()) {
            return Message.NackReason.CANDIDATE_BEHIND;
        }
        return null;
    }

    void onAccept(Message.Accept a) {
        Learner l = n.learner;
        if (a.instance() < l.firstUnchosen) {
            if (a.instance() >= l.firstRetained) {
                n.send(new Message.Values(n.cfg.clusterId(), n.self(), a.from(),
                        l.retainedFrom(a.instance(), 1), l.firstUnchosen));
            }
        } else if (a.ballot().compareTo(promised) < 0) {
            nack(a.from(), a.ballot(), Message.NackReason.LOWER_BALLOT);
        } else {
            raise(a.ballot());
            AcceptedValue v = new AcceptedValue(a.instance(), a.ballot(), a.value());
            accepted.put(a.instance(), v);
            n.outbox.persist(new Durable.Accepted(v.instance(), v.ballot(), v.value()));
            n.outbox.sendAfterPersist(new Message.Accepted(n.cfg.clusterId(), n.self(), a.from(), a.ballot(), a.instance()));
            n.afterPromise();
            heardLeader(a.from(), a.ballot());
        }
        l.noteCommit(a.from(), a.ballot(), a.chosenBelow());
    }

    void onRenew(Message.Renew r) {
        boolean viewAllows = !leaseViewValid() || leaseHolder == r.from() || leaseHolder == RELEASED;
        if (r.ballot().equals(promised) && viewAllows) {
            grantView(r.from());
            n.send(new Message.Grant(n.cfg.clusterId(), n.self(), r.from(), r.ballot(), r.seq()));
        } else if (r.ballot().compareTo(promised) < 0) {
            nack(r.from(), r.ballot(), Message.NackReason.LOWER_BALLOT);
        }
        heardLeader(r.from(), r.ballot());
        n.learner.noteCommit(r.from(), r.ballot(), r.chosenBelow());
    }

    /** The value this acceptor accepted at {@code instance} under exactly {@code ballot}, or null. */
    Value acceptedUnder(long instance, Ballot ballot) {
        AcceptedValue a = accepted.get(instance);
        return a != null && a.ballot().equals(ballot) ? a.value() : null;
    }

    /**
     * Only a leader sends accepts, renewals and commits: one under the ballot we promised, or a higher one we
     * missed the prepare of, names the leader we follow (a hint, not a lease view: it blocks no candidate and
     * grants nothing).
     */
    void heardLeader(int from, Ballot b) {
        if (from != n.self() && b.compareTo(promised) >= 0) {
            heardFrom = from;
            heardBallot = b;
            heardUntil = n.now + leaseView();
        }
    }

    /** The leader heard from at or above the ballot promised now, within a lease view's time, or -1. */
    int leaderHeard() {
        return heardFrom >= 0 && heardBallot.compareTo(promised) >= 0 && n.now < heardUntil ? heardFrom : -1;
    }

    /**
     * Our own proposer stopped campaigning or leading: a view of our own lease protects nothing any more (we
     * claim none); kept as it was, it would name us as leader and refuse the winner's renewals until it
     * lapsed. It keeps refusing candidates until then, so a node that resigned does not campaign sooner.
     */
    void releaseOwnView() {
        if (leaseHolder == n.self() && leaseViewValid()) {
            leaseHolder = RELEASED;
        }
    }

    /** Callers have checked that the view is lapsed or already {@code holder}'s. */
    private void grantView(int holder) {
        leaseHolder = holder;
        leaseViewUntil = Math.max(leaseViewUntil, n.now + leaseView());
    }

    private long leaseView() {
        return (long) n.cfg.leaseTicks() + n.cfg.leaseMarginTicks();
    }

    private void raise(Ballot b) {
        if (b.greaterThan(promised)) {
            promised = b;
            n.outbox.persist(new Durable.Promised(b));
        }
    }

    private void nack(int to, Ballot b, Message.NackReason why) {
        n.send(new Message.Nack(n.cfg.clusterId(), n.self(), to, b, promised, why, n.learner.firstUnchosen));
    }
}
