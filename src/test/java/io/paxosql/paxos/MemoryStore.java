package io.paxosql.paxos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Durable records applied as a real store would keep them; restores a {@link PersistentState}. */
public final class MemoryStore {

    private Ballot promised = Ballot.ZERO;
    private final TreeMap<Long, AcceptedValue> accepted = new TreeMap<>();
    private long firstRetained;
    private final TreeMap<Long, Value> chosen = new TreeMap<>();
    private final Map<Long, Durable.Members> members = new HashMap<>();

    public MemoryStore(long firstInstance) {
        firstRetained = firstInstance;
    }

    public void write(Durable d) {
        if (d instanceof Durable.Promised p) {
            if (p.ballot().compareTo(promised) < 0) {
                throw new IllegalStateException("promise went backwards: " + promised + " then " + p.ballot());
            }
            promised = p.ballot();
        } else if (d instanceof Durable.Accepted a) {
            accepted.put(a.instance(), new AcceptedValue(a.instance(), a.ballot(), a.value()));
        } else if (d instanceof Durable.Chosen c) {
            long expect = firstRetained + chosen.size();
            if (c.instance() != expect) {
                throw new IllegalStateException("chosen record for " + c.instance() + " but the log ends before " + expect);
            }
            chosen.put(c.instance(), c.value());
            accepted.remove(c.instance());
        } else {
            Durable.Members m = (Durable.Members) d;
            members.put(m.effectiveFrom(), m);
        }
    }

    public void compact(long below) {
        chosen.headMap(below).clear();
        firstRetained = Math.max(firstRetained, below);
    }

    public long firstUnchosen() {
        return firstRetained + chosen.size();
    }

    public Value chosen(long instance) {
        return chosen.get(instance);
    }

    public PersistentState state() {
        List<ChosenValue> cs = new ArrayList<>();
        chosen.forEach((i, v) -> cs.add(new ChosenValue(i, v)));
        return new PersistentState(promised, new ArrayList<>(accepted.values()), firstRetained, cs,
                new ArrayList<>(members.values()));
    }
}
