package io.paxosql.paxos;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The member set as a function of the instance. A change chosen at instance i takes effect at
 * i + alpha (alpha = the leader's pipeline window), so a leader always knows the members of every
 * instance it may propose: it only proposes below firstUnchosen + alpha. Changes are one member at a time
 * and never overlap (a leader proposes a change only when the previous one is in force, and its lease rests on
 * the newest set: {@link LeaderLease}), so majorities of consecutive member sets intersect.
 */
final class Membership {

    private final TreeMap<Long, SortedSet<Integer>> byStart = new TreeMap<>();
    private final int alpha;

    Membership(int alpha, long firstInstance, Set<Integer> initial) {
        this.alpha = alpha;
        byStart.put(firstInstance, immutable(initial));
    }

    void restore(Durable.Members m) {
        byStart.put(m.effectiveFrom(), m.members());
    }

    /** Members voting at {@code instance}; callers only ask about instances whose set is decided. */
    SortedSet<Integer> at(long instance) {
        Map.Entry<Long, SortedSet<Integer>> e = byStart.floorEntry(instance);
        return e != null ? e.getValue() : byStart.firstEntry().getValue();
    }

    /** The instance from which the set voting at {@code instance} applies. */
    long startOf(long instance) {
        Long k = byStart.floorKey(instance);
        return k != null ? k : byStart.firstKey();
    }

    /**
     * The set that voted just before the one voting at {@code instance} came into force, or null when that one
     * is the first this node knows or differs from it by more than one member (a log that starts at a
     * checkpoint may know a set and a much later one, the changes between them compacted away).
     */
    SortedSet<Integer> previousAt(long instance) {
        Map.Entry<Long, SortedSet<Integer>> before = byStart.lowerEntry(startOf(instance));
        return before != null && oneApart(before.getValue(), at(instance)) ? before.getValue() : null;
    }

    /** Where the set before the one voting at {@code instance} starts; callers checked {@link #previousAt}. */
    long previousStart(long instance) {
        return byStart.lowerKey(startOf(instance));
    }

    /**
     * Whether every majority of every set known from the one starting at {@code start} on meets every majority
     * of that set: at most one newer set is known, one member apart from it.
     */
    boolean newerSetsMeet(long start) {
        Map.Entry<Long, SortedSet<Integer>> next = byStart.higherEntry(start);
        return next == null || (byStart.higherKey(next.getKey()) == null && oneApart(at(start), next.getValue()));
    }

    /** One member added or removed: the majorities of the two sets intersect. */
    private static boolean oneApart(SortedSet<Integer> a, SortedSet<Integer> b) {
        SortedSet<Integer> union = new TreeSet<>(a);
        union.addAll(b);
        return 2 * union.size() - a.size() - b.size() == 1;
    }

    /** The instance from which the newest known set applies. */
    long latestStart() {
        return byStart.lastKey();
    }

    SortedSet<Integer> latest() {
        return byStart.lastEntry().getValue();
    }

    /** Everyone who votes at some instance from {@code instance} on (for sending prepares and commits). */
    SortedSet<Integer> from(long instance) {
        SortedSet<Integer> all = new TreeSet<>(at(instance));
        for (SortedSet<Integer> s : byStart.tailMap(instance, false).values()) {
            all.addAll(s);
        }
        return all;
    }

    /**
     * Applies a chosen change at {@code instance}; returns the record to persist, or null when the change
     * no longer fits the newest set (a value recovered from a deposed leader can come in after another
     * change). Every node reads the same log, so every node ignores the same changes.
     */
    Durable.Members apply(long instance, Entry change) {
        if (!isValidChange(change)) {
            return null;
        }
        SortedSet<Integer> next = new TreeSet<>(latest());
        if (change instanceof Entry.AddMember a) {
            next.add(a.node());
        } else if (change instanceof Entry.RemoveMember r) {
            next.remove(r.node());
        }
        Durable.Members rec = new Durable.Members(instance + alpha, next);
        byStart.put(rec.effectiveFrom(), rec.members());
        return rec;
    }

    /** Whether {@code change} is a real one-member change of the newest set and leaves somebody voting. */
    boolean isValidChange(Entry change) {
        SortedSet<Integer> cur = latest();
        if (change instanceof Entry.AddMember a) {
            return !cur.contains(a.node());
        }
        if (change instanceof Entry.RemoveMember r) {
            return cur.contains(r.node()) && cur.size() > 1;
        }
        return false;
    }

    static boolean isMajority(Set<Integer> voters, Set<Integer> members) {
        int n = 0;
        for (Integer v : voters) {
            if (members.contains(v)) {
                n++;
            }
        }
        return 2 * n > members.size();
    }

    private static SortedSet<Integer> immutable(Set<Integer> s) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(s));
    }
}
