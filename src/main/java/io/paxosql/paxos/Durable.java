package io.paxosql.paxos;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * State the owner must write to stable storage. Restoring the latest of each (see {@link PersistentState})
 * restores the node. A Chosen record supersedes the Accepted record of its instance.
 */
public sealed interface Durable {

    /** The acceptor's promise: it accepts nothing below this ballot. Keep the latest. */
    record Promised(Ballot ballot) implements Durable { }

    /** The acceptor accepted a value; keep the latest per instance until the instance is chosen. */
    record Accepted(long instance, Ballot ballot, Value value) implements Durable { }

    /** A value known chosen; records arrive in instance order without gaps. */
    record Chosen(long instance, Value value) implements Durable { }

    /** The member set in force from {@code effectiveFrom} on. Keep all of them (they are few). */
    record Members(long effectiveFrom, SortedSet<Integer> members) implements Durable {
        public Members {
            members = Collections.unmodifiableSortedSet(new TreeSet<>(members));
        }
    }
}
