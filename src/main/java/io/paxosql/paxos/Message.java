package io.paxosql.paxos;

import java.util.List;

/**
 * Everything nodes say to each other. Each message names its cluster, sender and receiver; a node ignores
 * a message of another cluster or for another node. Flat records of longs, ints, ballots and values so a
 * transport can map them one to one onto protobuf.
 */
public sealed interface Message {

    long clusterId();

    int from();

    int to();

    /** Phase 1 for every instance from {@code fromInstance} on; {@code seq} times the lease it asks for. */
    record Prepare(long clusterId, int from, int to, Ballot ballot, long fromInstance, long seq) implements Message { }

    /**
     * Promise not to accept below {@code ballot}, and a lease grant for {@code seq}; one part of it. A part
     * lists every value the acceptor accepted or knows chosen at instances in [{@code fromInstance},
     * {@code untilInstance}); the parts of one answer cover the prepare's instances from its
     * {@code fromInstance} on without a gap, the last one up to {@link #REST}. Parts keep each message
     * within about one value's bytes (maxBatchBytes); the candidate counts the acceptor once it holds parts
     * covering every instance from its first unchosen one. Leaves only once persisted.
     */
    record Promise(long clusterId, int from, int to, Ballot ballot, long seq, long fromInstance,
                   long untilInstance, List<AcceptedValue> accepted, List<ChosenValue> chosen) implements Message {
        /** The {@code untilInstance} of the last part: it covers every instance above its start. */
        public static final long REST = Long.MAX_VALUE;

        public Promise {
            if (untilInstance <= fromInstance) {
                throw new IllegalArgumentException("a promise part must cover at least one instance: ["
                        + fromInstance + ", " + untilInstance + ")");
            }
            accepted = List.copyOf(accepted);
            chosen = List.copyOf(chosen);
        }

        /** A promise in one part: every instance from {@code fromInstance} on. */
        public Promise(long clusterId, int from, int to, Ballot ballot, long seq, long fromInstance,
                       List<AcceptedValue> accepted, List<ChosenValue> chosen) {
            this(clusterId, from, to, ballot, seq, fromInstance, REST, accepted, chosen);
        }

        public boolean isLastPart() {
            return untilInstance == REST;
        }
    }

    /**
     * Pre-vote: would the receiver promise {@code ballot} from {@code fromInstance} if asked now? Changes
     * nothing at the receiver; a node campaigns only after a majority said yes, so a node that was cut off or
     * stalled cannot raise anyone's promise (its own included) while a majority honours a live lease.
     */
    record PreVote(long clusterId, int from, int to, Ballot ballot, long fromInstance) implements Message { }

    /** Yes to a {@link PreVote}; a no is a {@link Nack} under the pre-vote's ballot. Vouches for nothing durable. */
    record PreVoteGrant(long clusterId, int from, int to, Ballot ballot) implements Message { }

    /** Why an acceptor turned a request down. */
    enum NackReason {
        /** The acceptor promised a higher ballot ({@code promised}). */
        LOWER_BALLOT,
        /** The acceptor sees a valid lease of another node and will not promise before it ends. */
        LEASE_HELD,
        /** The candidate is missing chosen values the acceptor no longer lists; it must catch up first. */
        CANDIDATE_BEHIND
    }

    /** Refusal of a prepare, accept or renew under {@code ballot}; carries the acceptor's commit point. */
    record Nack(long clusterId, int from, int to, Ballot ballot, Ballot promised, NackReason reason,
                long chosenBelow) implements Message { }

    /** Phase 2 for one instance; {@code chosenBelow} piggybacks the leader's commit point. */
    record Accept(long clusterId, int from, int to, Ballot ballot, long instance, Value value,
                  long chosenBelow) implements Message { }

    /** The acceptor durably accepted the value of {@code ballot} at {@code instance}. Leaves only once persisted. */
    record Accepted(long clusterId, int from, int to, Ballot ballot, long instance) implements Message { }

    /** Every instance below {@code chosenBelow} is chosen; the value is the one proposed under {@code ballot}
     *  if the receiver accepted that ballot there, else the receiver must catch up. */
    record Commit(long clusterId, int from, int to, Ballot ballot, long chosenBelow) implements Message { }

    /** Lease renewal by the leader, doubling as heartbeat with its commit point. */
    record Renew(long clusterId, int from, int to, Ballot ballot, long seq, long chosenBelow) implements Message { }

    /** The acceptor extends its view of the leader's lease for {@code seq}. */
    record Grant(long clusterId, int from, int to, Ballot ballot, long seq) implements Message { }

    /** A learner asks for up to {@code max} chosen values from {@code fromInstance} on. */
    record CatchUp(long clusterId, int from, int to, long fromInstance, int max) implements Message { }

    /**
     * Chosen values in instance order, and the sender's commit point. One answer to a {@link CatchUp} comes
     * in several of these, each within about one value's bytes (maxBatchBytes); all but the last have
     * {@code last} false, so the learner asks for more only once the answer is in.
     */
    record Values(long clusterId, int from, int to, List<ChosenValue> values, long chosenBelow, boolean last)
            implements Message {
        public Values {
            values = List.copyOf(values);
        }

        /** The whole answer in one message. */
        public Values(long clusterId, int from, int to, List<ChosenValue> values, long chosenBelow) {
            this(clusterId, from, to, values, chosenBelow, true);
        }
    }

    /** The sender no longer holds the values asked for: its log starts at {@code firstRetained}. */
    record SnapshotNeeded(long clusterId, int from, int to, long firstRetained, long chosenBelow) implements Message { }
}
