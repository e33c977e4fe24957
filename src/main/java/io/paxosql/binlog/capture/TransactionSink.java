package io.paxosql.binlog.capture;

import io.paxosql.binlog.Transaction;
import io.vertx.core.Future;

/**
 * Where the capture hands whole transactions, in the master's order. The future completes once
 * the transaction is durable (for the cluster: chosen by Paxos); only then may it be ACKed.
 */
@FunctionalInterface
public interface TransactionSink {
  Future<?> append(Transaction tx);
}
