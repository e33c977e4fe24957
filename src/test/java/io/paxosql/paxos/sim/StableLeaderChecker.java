package io.paxosql.paxos.sim;

import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.Describe;
import io.paxosql.paxos.PaxosRole;
import io.paxosql.paxos.Status;

/**
 * Liveness after a stall: "no needless change of leader". When a node resumes from a stalled event loop
 * while another node holds the lease, and the network is whole (no loss, no partition, no crash: the
 * simulator only watches after the faults stop), the resumed node must learn who leads instead of
 * unseating it. For a window after the resume the leader must stay leader under the same ballot and keep
 * its lease at every step, and no other node may campaign. The woken node's own lease, if it still
 * believes in one, lapsed during the stall; it catches up its missed ticks first. The simulator watches a
 * resume only if the leader keeps a majority of its members without the woken node and has lease enough
 * left for a renewal round.
 */
final class StableLeaderChecker {

    static final class LivenessViolation extends RuntimeException {
        LivenessViolation(String msg) {
            super(msg);
        }
    }

    private int woken = -1;
    private int leader = -1;
    private Ballot ballot;
    private long from;
    private long until = -1;
    private long checked;

    /** Node {@code woken} resumes at {@code now} while {@code leader} holds the lease under {@code ballot}. */
    void watch(int woken, int leader, Ballot ballot, long now, long window) {
        this.woken = woken;
        this.leader = leader;
        this.ballot = ballot;
        this.from = now;
        this.until = now + window;
        checked++;
    }

    boolean watching(long now) {
        return now <= until;
    }

    /**
     * One node's status at {@code now}, and whether it is still a member at its first unchosen instance;
     * called for every running node while {@link #watching}. A membership change that removes the leader
     * (one queued during the faults may be chosen now) ends the watch: that change of leader is needed.
     */
    void observe(long now, int node, Status s, boolean member) {
        if (!watching(now)) {
            return;
        }
        if (node == leader && !member) {
            until = -1;
            return;
        }
        if (node == leader) {
            if (s.role() != PaxosRole.LEADER || !s.ballot().equals(ballot) || !s.holdsLease()) {
                throw new LivenessViolation("needless change of leader: node " + woken + " resumed from a stall at t="
                        + from + " while node " + leader + " held the lease under " + ballot + "; at t=" + now
                        + " node " + leader + " is " + Describe.status(s));
            }
        } else if (s.role() != PaxosRole.FOLLOWER) {
            throw new LivenessViolation("needless campaign: node " + woken + " resumed from a stall at t=" + from
                    + " while node " + leader + " held the lease under " + ballot + "; at t=" + now + " node " + node
                    + " is " + Describe.status(s));
        }
    }

    /** How many resumes were watched. */
    long checked() {
        return checked;
    }
}
