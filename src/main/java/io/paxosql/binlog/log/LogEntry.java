package io.paxosql.binlog.log;

import io.paxosql.binlog.Transaction;

/** A transaction at its place in the log; sequence numbers start at 1 and have no gaps. */
public record LogEntry(long sequence, Transaction transaction) {}
