package io.paxosql.node.chain;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;

/**
 * What the cluster proposes to Paxos. The chosen sequence of records is the same on every node, and
 * {@link ChainState} judges each record by that sequence alone, so every node accepts and rejects the
 * same records (PhxSQL's MASTER_CONFLICT / GTID_CONFLICT, made deterministic).
 */
public sealed interface ChainRecord {

  /**
   * A node starts an epoch as master. Transactions of older epochs chosen after this record are
   * rejected, so a deposed master's late proposals can never extend the chain.
   */
  record MasterChange(long epoch, int nodeId) implements ChainRecord {}

  /**
   * One transaction captured from the master of {@code epoch}; {@code sequence} is its place in the
   * chain and {@code previous} the GTID it follows (null for the first transaction ever).
   */
  record ChainedTransaction(long epoch, long sequence, Gtid previous, Transaction transaction)
      implements ChainRecord {}
}
