package io.paxosql.node.chain;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import java.util.Arrays;
import java.util.Objects;

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

  /**
   * One of {@code count} consecutive pieces of a transaction too big for one Paxos value. Every part
   * carries the whole transaction's epoch, sequence, predecessor and GTID, so the chain judges each
   * part without its bytes; {@code chunk} is a slice of the transaction's encoded body
   * ({@link ChainRecordCodec#encodeBody}). The chain accepts the transaction only when parts
   * 0..count-1 are chosen back to back; anything chosen in between rejects it.
   */
  record TransactionPart(long epoch, long sequence, Gtid previous, Gtid gtid, int index, int count, byte[] chunk)
      implements ChainRecord {
    public TransactionPart {
      if (count < 2 || index < 0 || index >= count) {
        throw new IllegalArgumentException("part " + index + " of " + count + ": a split transaction has at least"
            + " two parts, numbered from 0");
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TransactionPart p && epoch == p.epoch && sequence == p.sequence && index == p.index
          && count == p.count && Objects.equals(previous, p.previous) && gtid.equals(p.gtid)
          && Arrays.equals(chunk, p.chunk);
    }

    @Override
    public int hashCode() {
      return Objects.hash(epoch, sequence, previous, gtid, index, count, Arrays.hashCode(chunk));
    }

    @Override
    public String toString() {
      return "TransactionPart[" + gtid + " seq " + sequence + " epoch " + epoch + " part " + index + "/" + count
          + ", " + chunk.length + " bytes]";
    }
  }
}
