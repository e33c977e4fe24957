package io.paxosql.paxos;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The leader's lease, from the grants of its requests: every prepare or renew carries a sequence number;
 * the tick it left at is remembered. When a majority granted one, the lease lasts until that tick +
 * leaseTicks. Whether it counts is {@link Proposer#holdsLease}'s call: only once the barrier is chosen, so
 * a leader that recovered from a stale majority cannot claim it.
 */
final class LeaderLease {

    private final PaxosNode n;
    private long seq;
    private final TreeMap<Long, Long> seqSentAt = new TreeMap<>();
    private final Map<Long, Set<Integer>> grants = new HashMap<>();
    private long leaseDeadline = -1;
    private long lastRenew;

    LeaderLease(PaxosNode n) {
        this.n = n;
    }

    /** The tick the lease ends at if a majority granted it, else -1. */
    long deadline() {
        return leaseDeadline;
    }

    /** The sequence number of the latest request, prepare or renew. */
    long lastSeq() {
        return seq;
    }

    boolean renewDue() {
        return n.now - lastRenew >= n.cfg.renewTicks();
    }

    /** A new campaign: grants of an earlier one extend nothing. */
    void restart() {
        grants.clear();
        seqSentAt.clear();
        leaseDeadline = -1;
    }

    /** Numbers a request (a prepare) leaving now. */
    long newRequest() {
        long s = ++seq;
        seqSentAt.put(s, n.now);
        return s;
    }

    /** The new leader's lease counts its renewal period from its election. */
    void renewedNow() {
        lastRenew = n.now;
    }

    /** Stepped down: no lease. */
    void lapse() {
        leaseDeadline = -1;
    }

    void renew(Ballot ballot) {
        lastRenew = n.now;
        long s = newRequest();
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
        if (sentAt == null || n.proposer.role == PaxosRole.FOLLOWER) {
            return;
        }
        Set<Integer> g = grants.computeIfAbsent(s, k -> new HashSet<>());
        g.add(from);
        if (Membership.isMajority(g, n.membership.at(n.learner.firstUnchosen))) {
            leaseDeadline = Math.max(leaseDeadline, sentAt + n.cfg.leaseTicks());
        }
    }

    void onGrantMessage(Message.Grant g) {
        if (g.ballot().equals(n.election.ballot)) {
            onGrant(g.from(), g.seq());
        }
    }
}
