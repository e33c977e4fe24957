package io.paxosql.node.chain;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;

/**
 * The chain after some prefix of chosen records: the current master epoch, the last accepted
 * transaction and the GTID state. Immutable; {@link #apply} returns the verdict and the next state.
 */
public record ChainState(long epoch, int masterNode, long lastSequence, Gtid lastGtid, GtidState gtids) {

  public static final ChainState EMPTY = new ChainState(0, 0, 0, null, GtidState.EMPTY);

  /** The verdict on one chosen record, with the state after it (unchanged unless accepted). */
  public record Step(Verdict verdict, String reason, ChainState next) {}

  public enum Verdict {
    /** The record extends the chain. */
    ACCEPTED,
    /** A transaction the chain already holds, resent after a lost ACK or a reconnect (EVENT_EXIST). */
    DUPLICATE,
    /** The record conflicts with the chain (deposed master or a gap) and has no effect. */
    REJECTED
  }

  public Step apply(ChainRecord record) {
    if (record instanceof MasterChange mc) {
      if (mc.epoch() <= epoch) {
        return reject("master change to epoch " + mc.epoch() + " is not after the current epoch " + epoch);
      }
      return new Step(Verdict.ACCEPTED, "", new ChainState(mc.epoch(), mc.nodeId(), lastSequence, lastGtid, gtids));
    }
    ChainedTransaction t = (ChainedTransaction) record;
    Gtid gtid = t.transaction().gtid();
    if (gtids.covers(gtid)) {
      return new Step(Verdict.DUPLICATE, "GTID " + gtid + " is already in the chain", this);
    }
    if (t.epoch() != epoch) {
      return reject("transaction " + gtid + " is from epoch " + t.epoch() + " but the master's epoch is " + epoch);
    }
    if (t.sequence() != lastSequence + 1 || !java.util.Objects.equals(t.previous(), lastGtid)) {
      return reject("transaction " + gtid + " follows " + t.previous() + " at " + t.sequence()
          + " but the chain ends with " + lastGtid + " at " + lastSequence);
    }
    return new Step(Verdict.ACCEPTED, "",
        new ChainState(epoch, masterNode, t.sequence(), gtid, gtids.with(gtid)));
  }

  private Step reject(String reason) {
    return new Step(Verdict.REJECTED, reason, this);
  }
}
