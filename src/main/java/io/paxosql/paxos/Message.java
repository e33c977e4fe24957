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
     * Promise not to accept below {@code ballot}, and a lease grant for {@code seq}. Lists every value the
     * acceptor accepted or knows chosen at instances from {@code fromInstance} on. Leaves only once persisted.
     */
    record Promise(long clusterId, int from, int to, Ballot ballot, long seq, long fromInstance,
                   List<AcceptedValue> accepted, List<ChosenValue> chosen) implements Message {
        public Promise {
            accepted = List.copyOf(accepted);
            chosen = List.copyOf(chosen);
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

    /** Chosen values in instance order, and the sender's commit point. */
    record Values(long clusterId, int from, int to, List<ChosenValue> values, long chosenBelow) implements Message {
        public Values {
            values = List.copyOf(values);
        }
    }

    /** The sender no longer holds the values asked for: its log starts at {@code firstRetained}. */
    record SnapshotNeeded(long clusterId, int from, int to, long firstRetained, long chosenBelow) implements Message { }
}
