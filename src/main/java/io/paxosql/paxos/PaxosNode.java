package io.paxosql.paxos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/**
 * One Paxos node as a pure state machine. The owner feeds it messages ({@link #step}), time
 * ({@link #tick}) and proposals ({@link #propose}), and drains its output with {@link #ready()} and
 * {@link #advance()}. It has no threads, clock, randomness or I/O; the same inputs give the same outputs.
 * Messages a node sends to itself never leave it.
 */
public final class PaxosNode {

    final PaxosConfig cfg;
    final Outbox outbox = new Outbox();
    final Membership membership;
    final Learner learner;
    final Acceptor acceptor;
    final Proposer proposer;
    final Election election;
    final LeaderLease lease;
    long now;
    boolean campaignAllowed;
    private final ArrayDeque<Message> local = new ArrayDeque<>();
    private Status reported;
    private long refusedBallots;

    public PaxosNode(PaxosConfig cfg, PersistentState state) {
        this.cfg = cfg;
        this.membership = new Membership(cfg.alpha(), cfg.firstInstance(), cfg.initialMembers());
        for (Durable.Members m : state.members()) {
            membership.restore(m);
        }
        this.learner = new Learner(this, state);
        this.acceptor = new Acceptor(this, state);
        this.proposer = new Proposer(this);
        this.election = new Election(this);
        this.lease = new LeaderLease(this);
        this.reported = status();
    }

    /** A node that has never run. */
    public static PaxosNode fresh(PaxosConfig cfg) {
        return new PaxosNode(cfg, PersistentState.empty(cfg.firstInstance()));
    }

    public int self() {
        return cfg.nodeId();
    }

    /** Whether this node may campaign for leadership; decided by the owner (e.g. local database caught up). */
    public void setCampaignAllowed(boolean allowed) {
        campaignAllowed = allowed;
    }

    /**
     * Stops leading now: no more renewals or proposals (queued ones are dropped, in-flight ones are in
     * doubt). Peers elect another leader once the lease they granted lapses. For a planned switchover or
     * a leader whose application cannot serve.
     */
    public void resign() {
        proposer.stepDown();
        drainLocal();
    }

    /** Advances this node's clock by one tick. */
    public void tick() {
        now++;
        proposer.tick();
        learner.tick();
        drainLocal();
    }

    /**
     * Handles a message from a peer; messages of another cluster or for another node are ignored, and so
     * is a message whose ballot jumps implausibly far ({@link Ballot#MAX_ROUND_STEP}): dropping a message
     * is always safe in Paxos.
     */
    public void step(Message m) {
        if (m.clusterId() != cfg.clusterId() || m.to() != self()) {
            return;
        }
        if (MessageBallots.highestRound(m) > roundLimit()) {
            refusedBallots++;
            return;
        }
        dispatch(m);
        drainLocal();
    }

    /** Queues bytes for the next instance values; {@code proposalId} comes back in the chosen {@link Entry.Data}. */
    public ProposeResult propose(long proposalId, byte[] bytes) {
        return proposer.propose(new Entry.Data(proposalId, bytes));
    }

    /** Queues a membership change: {@link Entry.AddMember} or {@link Entry.RemoveMember}. */
    public ProposeResult proposeMembership(Entry change) {
        if (change instanceof Entry.Data) {
            throw new IllegalArgumentException("proposeMembership takes AddMember or RemoveMember; use propose() for data");
        }
        return proposer.propose(change);
    }

    /** Whether {@link #ready()} would return something. */
    public boolean hasReady() {
        return !outbox.awaitingAdvance() && (outbox.hasOutput() || proposer.hasWork() || statusChanged());
    }

    /** Builds proposals from the queue and hands out everything to persist, send and apply. */
    public Ready ready() {
        proposer.fill();
        drainLocal();
        Status s = status();
        Status changed = statusChanged() ? s : null;
        reported = s;
        return outbox.take(changed);
    }

    /**
     * Lets up to {@code max} Ready values await {@link #advance()} at once (default 1). An owner may hand
     * the next Ready's records to storage while earlier ones sync, provided storage makes them durable in
     * order; each advance() then confirms the oldest Ready not yet confirmed.
     */
    public void setMaxUnconfirmedReadys(int max) {
        outbox.maxUnconfirmed(max);
    }

    /**
     * Confirms the records of the oldest unconfirmed Ready are durable. Returns the messages that waited for them; the
     * owner sends these. Replies this node owes itself are consumed here.
     */
    public List<Message> advance() {
        List<Message> out = new ArrayList<>();
        for (Message m : outbox.release()) {
            if (m.to() == self()) {
                local.add(m);
            } else {
                out.add(m);
            }
        }
        drainLocal();
        return out;
    }

    /** The owner no longer holds chosen values below {@code instance}; peers asking for them need a snapshot. */
    public void compact(long instance) {
        learner.compact(instance);
    }

    public long firstRetained() {
        return learner.firstRetained;
    }

    public long firstUnchosen() {
        return learner.firstUnchosen;
    }

    /** The retained chosen value at {@code instance}, or null. */
    public Value chosen(long instance) {
        return learner.retained(instance);
    }

    public SortedSet<Integer> membersAt(long instance) {
        return membership.at(instance);
    }

    /** The newest member set chosen, in force now or once the log reaches the instance where it starts. */
    public SortedSet<Integer> latestMembers() {
        return membership.latest();
    }

    public long now() {
        return now;
    }

    /** Messages ignored because their ballot jumped too far or exceeded {@link Ballot#MAX_ROUND}. */
    public long refusedBallots() {
        return refusedBallots;
    }

    /** The highest round this node takes from a message now. */
    long roundLimit() {
        long known = Math.max(acceptor.promised.round(), election.highestRoundSeen());
        return Math.min(Ballot.MAX_ROUND, known + Ballot.MAX_ROUND_STEP);
    }

    public Status status() {
        // A leader reports its term: running phase 1 again under a higher ballot is no change of leadership.
        Ballot b = proposer.role == PaxosRole.LEADER ? election.term : election.ballot;
        return new Status(proposer.role, b, leaderHint(), proposer.leaseUntil(), learner.firstUnchosen, now);
    }

    /** Whether this node believes, at its current tick, that it holds the master lease. */
    public boolean holdsLease() {
        return proposer.holdsLease();
    }

    /**
     * Who leads, as far as this node knows: itself while leading; else the leader whose accept, renewal or
     * commit this node last had at or above the ballot it promised (the freshest word: a losing candidate
     * learns the winner from the first accept that raises its promise); else the holder of the lease it honours.
     */
    int leaderHint() {
        if (proposer.role == PaxosRole.LEADER) {
            return self();
        }
        int heard = acceptor.leaderHeard();
        if (heard >= 0) {
            return heard;
        }
        return acceptor.leaseViewValid() && acceptor.leaseHolder >= 0 ? acceptor.leaseHolder : -1;
    }

    void send(Message m) {
        if (m.to() == self()) {
            local.add(m);
        } else {
            outbox.send(m);
        }
    }

    /** After the acceptor promised or accepted: a higher foreign ballot ends our own leadership. */
    void afterPromise() {
        election.onLocalPromise(acceptor.promised);
    }

    private boolean statusChanged() {
        Status s = status();
        return s.role() != reported.role() || !s.ballot().equals(reported.ballot())
                || s.leaderHint() != reported.leaderHint() || s.leaseUntil() != reported.leaseUntil();
    }

    private void drainLocal() {
        Message m;
        while ((m = local.poll()) != null) {
            dispatch(m);
        }
    }

    private void dispatch(Message m) {
        if (m instanceof Message.Prepare p) {
            acceptor.onPrepare(p);
        } else if (m instanceof Message.Promise p) {
            election.onPromise(p);
        } else if (m instanceof Message.PreVote v) {
            acceptor.onPreVote(v);
        } else if (m instanceof Message.PreVoteGrant g) {
            election.onPreVoteGrant(g);
        } else if (m instanceof Message.Nack k) {
            election.onNack(k);
        } else if (m instanceof Message.Accept a) {
            acceptor.onAccept(a);
        } else if (m instanceof Message.Accepted a) {
            proposer.onAccepted(a);
        } else if (m instanceof Message.Commit c) {
            acceptor.heardLeader(c.from(), c.ballot());
            learner.noteCommit(c.from(), c.ballot(), c.chosenBelow());
        } else if (m instanceof Message.Renew r) {
            acceptor.onRenew(r);
        } else if (m instanceof Message.Grant g) {
            lease.onGrantMessage(g);
        } else if (m instanceof Message.CatchUp c) {
            learner.onCatchUp(c);
        } else if (m instanceof Message.Values v) {
            learner.onValues(v);
        } else if (m instanceof Message.SnapshotNeeded s) {
            learner.onSnapshotNeeded(s);
        }
    }
}
