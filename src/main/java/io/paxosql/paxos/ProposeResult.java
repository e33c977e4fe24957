package io.paxosql.paxos;

/** The answer to propose(): queued, or why not. */
public record ProposeResult(Outcome outcome, int leaderHint, String detail) {

    public enum Outcome {
        /** Queued at the leader; will be chosen, or reported in Ready.dropped or Ready.inDoubt. */
        QUEUED,
        /** This node does not lead; try {@code leaderHint} (or -1 if unknown). */
        NOT_LEADER,
        /** Larger than the batch cap; never fits into an instance. */
        TOO_LARGE,
        /** Too many proposals waiting; retry after some are chosen. */
        BUSY,
        /** A membership change that is not a single add or remove of the newest member set, or one is pending. */
        INVALID
    }

    static ProposeResult queued() {
        return new ProposeResult(Outcome.QUEUED, -1, "");
    }

    public boolean queuedOk() {
        return outcome == Outcome.QUEUED;
    }
}
