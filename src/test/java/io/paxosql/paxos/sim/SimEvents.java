package io.paxosql.paxos.sim;

import io.paxosql.paxos.Message;

import java.util.PriorityQueue;

/** The events of a {@link Simulator} run, in time order; events at the same time in the order scheduled. */
final class SimEvents {

    enum Kind { TICK, DELIVER, SYNC, CRASH, RESTART, RESUME }

    record Event(long time, long seq, Kind kind, int node, long gen, Message msg) { }

    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) ->
            a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private long seq;

    void schedule(long time, Kind kind, int node, long gen, Message msg) {
        events.add(new Event(time, seq++, kind, node, gen, msg));
    }

    Event next() {
        return events.poll();
    }
}
