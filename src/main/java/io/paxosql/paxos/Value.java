package io.paxosql.paxos;

import java.util.List;

/**
 * What one instance chooses. The epoch is the term (election ballot) of the leader that created the value; a
 * leader that recovers the value re-proposes it unchanged, so every node sees the same epoch for an instance.
 * A value with no entries is a no-op (gap filler or leadership barrier).
 */
public record Value(Ballot epoch, List<Entry> entries) {

    public Value {
        if (epoch == null || entries == null) {
            throw new IllegalArgumentException("value needs an epoch and an entry list");
        }
        entries = List.copyOf(entries);
    }

    public static Value noop(Ballot epoch) {
        return new Value(epoch, List.of());
    }

    public boolean isNoop() {
        return entries.isEmpty();
    }

    public boolean isMembershipChange() {
        return entries.size() == 1 && !(entries.get(0) instanceof Entry.Data);
    }

    public int size() {
        int s = 16;
        for (Entry e : entries) {
            s += e.size();
        }
        return s;
    }

    @Override
    public String toString() {
        return "Value[" + epoch + " " + entries + "]";
    }
}
