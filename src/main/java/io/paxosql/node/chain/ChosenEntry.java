package io.paxosql.node.chain;

/** One chosen proposal: its position in the Paxos log and the bytes that were proposed. */
public record ChosenEntry(LogPosition position, byte[] bytes) {}
