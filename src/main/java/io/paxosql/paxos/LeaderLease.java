package io.paxosql.paxos;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * The leader's lease, from the grants of its requests: every prepare or renew carries a sequence number;
 * the tick it left at is remembered. When a majority granted one, the lease lasts until that tick +
 * leaseTicks. Whether it counts is {@link Proposer#holdsLease}'s call: only once the barrier is chosen, so
 * a leader that recovered from a stale majority cannot claim it.
 *
 * <p><b>Whose majority.</b> A lease is safe when the members that granted it, who refuse every other
 * candidate's promise until it ends, meet every majority another leader could get a new value chosen with
 * while it runs. Below our first unchosen instance nothing new can be chosen, so a rival needs a majority of a
 * set voting there or later: the set in force at our first unchosen instance, or a newer one. Majorities of
 * two sets one member apart intersect; of sets two changes apart they need not. So each lease end is kept with
 * the set whose majority granted it, and counts only while at most one newer set is known
 * ({@link Membership#newerSetsMeet}); the leader proposes no change while its lease rests on a set older than
 * the newest ({@link #restsOnOlderSet}), so it does not end its own lease that way.
 *
 * <p><b>The handover.</b> Grants count on the set in force at our first unchosen instance, and for a bounded
 * time after a new set came into force while we lead, also on the set just before it. The reason: a joiner can
 * grant only after it promised our ballot, and its promise leaves only once durable, behind its catch-up
 * writes. With one old member slow or down, a majority of the grown set needs the joiner, and the master lost
 * its lease during an add although the old majority was healthy (MembershipIntegrationTest, under load).
 * Why bounded ({@link #HANDOVER_LEASES} lease periods for the requests that may count so): a leader that the
 * new set cannot reach (the joiner and an old member cut off from it) can choose nothing in the new set,
 * while the new set could elect a leader without it; counting the old majority's grants until the new set
 * answered would keep every other candidate out for good. The handover ends early once a majority of the new
 * set carries the lease itself.
 */
final class LeaderLease {

    /** How long after a new set came into force requests may count on the set before it, in lease periods. */
    static final int HANDOVER_LEASES = 2;

    private final PaxosNode n;
    private long seq;
    private final TreeMap<Long, Long> seqSentAt = new TreeMap<>();
    private final Map<Long, Set<Integer>> grants = new HashMap<>();
    /** The lease's end by where the set whose majority granted it starts. */
    private final TreeMap<Long, Long> ends = new TreeMap<>();
    private long lastRenew;
    /** Where the set voting at our first unchosen instance starts, as last seen while leading. */
    private long setStart = -1;
    /** Requests sent before this tick may count on the set before the one in force. */
    private long handoverUntil = Long.MIN_VALUE;

    LeaderLease(PaxosNode n) {
        this.n = n;
    }

    /** The tick the lease ends at if a majority granted it, else -1. */
    long deadline() {
        long d = -1;
        for (Map.Entry<Long, Long> e : ends.entrySet()) {
            if (n.membership.newerSetsMeet(e.getKey())) {
                d = Math.max(d, e.getValue());
            }
        }
        return d;
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
        ends.clear();
        handoverUntil = Long.MIN_VALUE;
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
        setStart = n.membership.startOf(n.learner.firstUnchosen);
    }

    /** Stepped down: no lease. */
    void lapse() {
        ends.clear();
        handoverUntil = Long.MIN_VALUE;
    }

    /** The log moved on: a new set in force at our first unchosen instance while we lead opens a handover. */
    void logAdvanced() {
        if (n.proposer.role != PaxosRole.LEADER) {
            return;
        }
        long start = n.membership.startOf(n.learner.firstUnchosen);
        if (start != setStart) {
            setStart = start;
            handoverUntil = n.now + (long) HANDOVER_LEASES * n.cfg.leaseTicks();
        }
    }

    /**
     * Whether the lease may rest on a set older than the newest known, now or through a request the handover
     * may still count: a change chosen meanwhile would put two changes between that set and the newest and end
     * the lease, so the leader holds its next change back (bounded: the handover's requests, then a lease).
     */
    boolean restsOnOlderSet() {
        long latest = n.membership.latestStart();
        if (handoverOpen() && n.membership.startOf(n.learner.firstUnchosen) == latest) {
            return true;
        }
        long onLatest = ends.getOrDefault(latest, -1L);
        for (long end : ends.headMap(latest, false).values()) {
            if (end > n.now && end > onLatest) {
                return true;
            }
        }
        return false;
    }

    private boolean handoverOpen() {
        return n.now < handoverUntil;
    }

    void renew(Ballot ballot) {
        lastRenew = n.now;
        long s = newRequest();
        // Grants for requests older than one lease can no longer extend it.
        seqSentAt.values().removeIf(t -> t + n.cfg.leaseTicks() <= n.now);
        grants.keySet().removeIf(k -> !seqSentAt.containsKey(k));
        ends.values().removeIf(end -> end <= n.now);
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
        long fu = n.learner.firstUnchosen;
        long end = sentAt + n.cfg.leaseTicks();
        if (Membership.isMajority(g, n.membership.at(fu))) {
            ends.merge(n.membership.startOf(fu), end, Math::max);
            if (end > n.now) {
                // The set in force carries the lease itself: later requests no longer count on the one before.
                handoverUntil = Math.min(handoverUntil, n.now);
            }
        } else if (sentAt < handoverUntil) {
            SortedSet<Integer> previous = n.membership.previousAt(fu);
            if (previous != null && Membership.isMajority(g, previous)) {
                ends.merge(n.membership.previousStart(fu), end, Math::max);
            }
        }
    }

    void onGrantMessage(Message.Grant g) {
        if (g.ballot().equals(n.election.ballot)) {
            onGrant(g.from(), g.seq());
        }
    }
}
