package io.paxosql.paxos;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which instances a candidate holds promise parts for, per acceptor, under its current ballot. Parts may
 * come from different answers (a retransmitted prepare is answered anew, cut at other instances), out of
 * order, duplicated or not at all; ranges are kept merged, so the map stays small whatever arrives.
 */
final class PromiseCoverage {

    /** Per acceptor: start of a covered range to its end (exclusive; {@link Message.Promise#REST} for all). */
    private final Map<Integer, TreeMap<Long, Long>> ranges = new HashMap<>();

    /**
     * Records that {@code acceptor} reported every instance in [{@code from}, {@code until}); true once its
     * parts cover every instance from {@code firstUnchosen} on (its ranges are then forgotten).
     */
    boolean covers(int acceptor, long from, long until, long firstUnchosen) {
        TreeMap<Long, Long> r = ranges.computeIfAbsent(acceptor, k -> new TreeMap<>());
        r.merge(from, until, Math::max);
        // Merge overlapping or touching ranges in place: walk in start order, keep the running range.
        TreeMap<Long, Long> merged = new TreeMap<>();
        long start = Long.MIN_VALUE;
        long end = Long.MIN_VALUE;
        for (Map.Entry<Long, Long> e : r.entrySet()) {
            if (end != Long.MIN_VALUE && e.getKey() <= end) {
                end = Math.max(end, e.getValue());
            } else {
                if (end != Long.MIN_VALUE) {
                    merged.put(start, end);
                }
                start = e.getKey();
                end = e.getValue();
            }
        }
        merged.put(start, end);
        // Instances below firstUnchosen are chosen: no report is needed for them.
        Map.Entry<Long, Long> first = merged.floorEntry(firstUnchosen);
        if (first != null && first.getValue() == Message.Promise.REST) {
            ranges.remove(acceptor);
            return true;
        }
        ranges.put(acceptor, merged);
        return false;
    }

    void clear() {
        ranges.clear();
    }
}
