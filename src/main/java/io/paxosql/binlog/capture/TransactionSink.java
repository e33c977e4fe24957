package io.paxosql.binlog.capture;

import io.paxosql.binlog.SpooledEvents;
import io.paxosql.binlog.Transaction;
import io.vertx.core.Future;

/**
 * Where the capture hands whole transactions, in the master's order. The future completes once
 * the transaction is durable (for the cluster: chosen by Paxos); only then may it be ACKed. A big
 * transaction's events may be {@link SpooledEvents}, which the capture closes once the
 * future completes: a sink that keeps the events must copy them.
 */
@FunctionalInterface
public interface TransactionSink {
  Future<?> append(Transaction tx);
}
