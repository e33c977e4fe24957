package io.paxosql.paxos;

import java.util.List;

/**
 * What a node restarts from: the latest of each {@link Durable} record it wrote.
 *
 * @param promised      the latest Promised ballot, or {@link Ballot#ZERO}
 * @param accepted      the latest Accepted record per instance not yet chosen (older ones are ignored)
 * @param firstRetained the first instance whose chosen value is still held; below it the owner compacted
 * @param chosen        chosen values from {@code firstRetained} on, in order, without gaps
 * @param members       every Members record written, in any order
 */
public record PersistentState(Ballot promised, List<AcceptedValue> accepted, long firstRetained,
                              List<ChosenValue> chosen, List<Durable.Members> members) {

    public PersistentState {
        accepted = List.copyOf(accepted);
        chosen = List.copyOf(chosen);
        members = List.copyOf(members);
        long expect = firstRetained;
        for (ChosenValue c : chosen) {
            if (c.instance() != expect) {
                throw new IllegalArgumentException("chosen values must run from firstRetained " + firstRetained
                        + " without gaps, but instance " + expect + " is followed by " + c.instance()
                        + "; the log store is damaged or was compacted past firstRetained");
            }
            expect++;
        }
    }

    /** A node that has never written anything. */
    public static PersistentState empty(long firstInstance) {
        return new PersistentState(Ballot.ZERO, List.of(), firstInstance, List.of(), List.of());
    }
}
