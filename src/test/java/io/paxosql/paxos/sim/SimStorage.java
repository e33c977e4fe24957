package io.paxosql.paxos.sim;

import io.paxosql.paxos.Durable;
import io.paxosql.paxos.MemoryStore;
import io.paxosql.paxos.PersistentState;

import io.paxosql.paxos.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A disk whose writes reach stable storage only at sync; a crash keeps a random prefix of the rest. */
final class SimStorage {

    private final MemoryStore durable;
    private final List<Durable> unsynced = new ArrayList<>();

    SimStorage(long firstInstance) {
        durable = new MemoryStore(firstInstance);
    }

    void write(List<Durable> records) {
        unsynced.addAll(records);
    }

    void sync() {
        sync(unsynced.size());
    }

    /** Makes the oldest {@code count} pending records durable (a sync that covered only the earlier writes). */
    void sync(int count) {
        List<Durable> done = unsynced.subList(0, count);
        done.forEach(durable::write);
        done.clear();
    }

    /** Power loss: the disk may have written some of the pending records, in order, before dying. */
    void crash(SplittableRandom rnd) {
        int kept = unsynced.isEmpty() ? 0 : rnd.nextInt(unsynced.size() + 1);
        for (int i = 0; i < kept; i++) {
            durable.write(unsynced.get(i));
        }
        unsynced.clear();
    }

    void compact(long below) {
        durable.compact(below);
    }

    long firstUnchosen() {
        return durable.firstUnchosen();
    }

    Value chosen(long instance) {
        return durable.chosen(instance);
    }

    PersistentState state() {
        return durable.state();
    }
}
