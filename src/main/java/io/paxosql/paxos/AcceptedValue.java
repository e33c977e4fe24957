package io.paxosql.paxos;

/** A value an acceptor accepted at an instance under a ballot; not necessarily chosen. */
public record AcceptedValue(long instance, Ballot ballot, Value value) { }
