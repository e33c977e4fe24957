package io.paxosql.paxos.sim;

import io.paxosql.paxos.Describe;
import io.paxosql.paxos.Message;

import java.util.ArrayDeque;

/** The last events of a {@link Simulator} run, shown when it fails (or every event, verbose). */
final class SimTrace {

    /** -Dpaxosql.sim.verbose=true prints every event of the run (use with one seed). */
    private static final boolean VERBOSE = Boolean.getBoolean("paxosql.sim.verbose");

    private record Trace(long time, Object what) { }

    private final ArrayDeque<Trace> trace = new ArrayDeque<>();

    /** Kept cheap: the last events are formatted only when a run fails. */
    void add(long now, Object what) {
        if (VERBOSE) {
            System.out.println("t=" + now + " " + (what instanceof Message m ? "deliver " + Describe.message(m) : what));
        }
        if (trace.size() >= 80) {
            trace.removeFirst();
        }
        trace.addLast(new Trace(now, what));
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        for (Trace t : trace) {
            Object w = t.what();
            sb.append("\n    t=").append(t.time()).append(' ')
                    .append(w instanceof Message m ? "deliver " + Describe.message(m) : w.toString());
        }
        return sb.toString();
    }
}
