package io.paxosql.paxos;

/** A value known to be chosen at an instance. */
public record ChosenValue(long instance, Value value) { }
