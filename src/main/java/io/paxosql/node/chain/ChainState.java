package io.paxosql.node.chain;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;
import io.paxosql.node.chain.ChainRecord.TransactionPart;
import java.util.Objects;

/**
 * The chain after some prefix of chosen records: the current master epoch, the last accepted
 * transaction, the GTID state, and the split transaction whose parts are arriving, if any.
 * Immutable; {@link #apply} returns the verdict and the next state.
 *
 * <p>A split transaction is accepted only if its parts are chosen back to back, in order, all under
 * the epoch current at its first part: any other record chosen in between (a master change, another
 * master's late proposal, a resend) cuts it off and the whole transaction is rejected. Holding the
 * chain open across foreign records would need a rule for which of two interleaved transactions
 * owns the next sequence; refusing interleaving needs none, and an honest master proposes its parts
 * consecutively, so only a change of master can cut one off, and that master fences anyway.
 */
public record ChainState(long epoch, int masterNode, long lastSequence, Gtid lastGtid, GtidState gtids,
                         OpenTransaction open) {

  public static final ChainState EMPTY = new ChainState(0, 0, 0, null, GtidState.EMPTY, null);

  /** A split transaction whose parts {@code 0..nextIndex-1} were chosen, back to back. */
  public record OpenTransaction(long epoch, long sequence, Gtid previous, Gtid gtid, int count, int nextIndex) {
    boolean continuedBy(TransactionPart p) {
      return p.epoch() == epoch && p.sequence() == sequence && Objects.equals(p.previous(), previous)
          && p.gtid().equals(gtid) && p.count() == count && p.index() == nextIndex;
    }
  }

  /**
   * The verdict on one chosen record, with the state after it. {@code abandoned} names the split
   * transaction this record cut off (rejected as a whole), else null.
   */
  public record Step(Verdict verdict, String reason, ChainState next, Gtid abandoned, String abandonReason) {
    Step(Verdict verdict, String reason, ChainState next) {
      this(verdict, reason, next, null, null);
    }
  }

  public enum Verdict {
    /** The record extends the chain (for a split transaction: its last part completes it). */
    ACCEPTED,
    /** A part of a split transaction that is still open: its fate is decided by a later record. */
    PARTIAL,
    /** A transaction the chain already holds, resent after a lost ACK or a reconnect (EVENT_EXIST). */
    DUPLICATE,
    /** The record conflicts with the chain (deposed master, a gap, a stray part) and has no effect. */
    REJECTED
  }

  public Step apply(ChainRecord record) {
    if (open != null) {
      if (record instanceof TransactionPart p && open.continuedBy(p)) {
        if (p.index() + 1 < open.count()) {
          OpenTransaction more = new OpenTransaction(open.epoch(), open.sequence(), open.previous(), open.gtid(),
              open.count(), p.index() + 1);
          return new Step(Verdict.PARTIAL, "", withOpen(more));
        }
        return new Step(Verdict.ACCEPTED, "", new ChainState(epoch, masterNode, open.sequence(), open.gtid(),
            gtids.with(open.gtid()), null));
      }
      Step s = withOpen(null).apply(record);
      return new Step(s.verdict(), s.reason(), s.next(), open.gtid(), "transaction " + open.gtid()
          + " was cut off after part " + (open.nextIndex() - 1) + " of " + open.count() + " parts by " + record);
    }
    if (record instanceof MasterChange mc) {
      if (mc.epoch() <= epoch) {
        return reject("master change to epoch " + mc.epoch() + " is not after the current epoch " + epoch);
      }
      return new Step(Verdict.ACCEPTED, "",
          new ChainState(mc.epoch(), mc.nodeId(), lastSequence, lastGtid, gtids, null));
    }
    long txEpoch;
    long sequence;
    Gtid previous;
    Gtid gtid;
    if (record instanceof TransactionPart p) {
      txEpoch = p.epoch();
      sequence = p.sequence();
      previous = p.previous();
      gtid = p.gtid();
    } else {
      ChainedTransaction t = (ChainedTransaction) record;
      txEpoch = t.epoch();
      sequence = t.sequence();
      previous = t.previous();
      gtid = t.transaction().gtid();
    }
    if (gtids.covers(gtid)) {
      return new Step(Verdict.DUPLICATE, "GTID " + gtid + " is already in the chain", this);
    }
    if (txEpoch != epoch) {
      return reject("transaction " + gtid + " is from epoch " + txEpoch + " but the master's epoch is " + epoch);
    }
    if (sequence != lastSequence + 1 || !Objects.equals(previous, lastGtid)) {
      return reject("transaction " + gtid + " follows " + previous + " at " + sequence
          + " but the chain ends with " + lastGtid + " at " + lastSequence);
    }
    if (record instanceof TransactionPart p) {
      if (p.index() != 0) {
        return reject("part " + p.index() + " of transaction " + gtid + " was chosen without the parts before it");
      }
      return new Step(Verdict.PARTIAL, "", withOpen(new OpenTransaction(txEpoch, sequence, previous, gtid,
          p.count(), 1)));
    }
    return new Step(Verdict.ACCEPTED, "",
        new ChainState(epoch, masterNode, sequence, gtid, gtids.with(gtid), null));
  }

  private ChainState withOpen(OpenTransaction o) {
    return new ChainState(epoch, masterNode, lastSequence, lastGtid, gtids, o);
  }

  private Step reject(String reason) {
    return new Step(Verdict.REJECTED, reason, this);
  }
}
