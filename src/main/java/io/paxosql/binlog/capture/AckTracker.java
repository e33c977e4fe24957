package io.paxosql.binlog.capture;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * Decides when the capture may send a semi-sync ACK. Transactions are registered in arrival order
 * and confirmed (made durable by the sink) in any order; the master is ACKed only up to the end of
 * the confirmed prefix, and only at a transaction whose last event asked for an ACK. One ACK at a
 * position releases every waiting commit up to it on the master, so nothing later than the prefix
 * is ever acknowledged. Not thread-safe: one per capture connection, on its context.
 */
public final class AckTracker {
  private static final class Pending {
    final long ticket;
    final Transaction tx;
    final boolean needsAck;
    boolean confirmed;

    Pending(long ticket, Transaction tx, boolean needsAck) {
      this.ticket = ticket;
      this.tx = tx;
      this.needsAck = needsAck;
    }
  }

  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private long nextTicket;
  private GtidState confirmedState;
  private BinlogPosition confirmedPosition;

  public AckTracker(GtidState start) {
    this.confirmedState = start;
  }

  /** Records a received transaction; returns the ticket to confirm it with. */
  public long received(Transaction tx, boolean needsAck) {
    Pending p = new Pending(nextTicket++, tx, needsAck);
    pending.addLast(p);
    return p.ticket;
  }

  /**
   * Marks a transaction durable. Returns the position to ACK when this completes a prefix that
   * contains a transaction waiting for an ACK.
   */
  public Optional<BinlogPosition> confirmed(long ticket) {
    for (Pending p : pending) {
      if (p.ticket == ticket) {
        p.confirmed = true;
        break;
      }
    }
    BinlogPosition ack = null;
    while (!pending.isEmpty() && pending.peekFirst().confirmed) {
      Pending p = pending.removeFirst();
      confirmedState = confirmedState.with(p.tx.gtid());
      confirmedPosition = new BinlogPosition(p.tx.sourceFile(), p.tx.sourceEndPos());
      if (p.needsAck) {
        ack = new BinlogPosition(p.tx.sourceFile(), p.tx.sourceEndPos());
      }
    }
    return Optional.ofNullable(ack);
  }

  /**
   * The sink could not make a transaction durable: it and everything after it can never be ACKed
   * on this stream; they are forgotten so that later confirmations of them are ignored.
   */
  public void failed(long ticket) {
    pending.removeIf(p -> p.ticket >= ticket);
  }

  /** The GTID state covering every confirmed transaction of the prefix: where a reconnect resumes. */
  public GtidState confirmedState() {
    return confirmedState;
  }

  /** The master's binlog position at the end of the confirmed prefix; null before the first confirmation. */
  public BinlogPosition confirmedPosition() {
    return confirmedPosition;
  }

  public int unconfirmed() {
    return pending.size();
  }

  /** Forgets unconfirmed transactions (the connection broke; they will be received again). */
  public void dropUnconfirmed() {
    pending.clear();
  }
}
