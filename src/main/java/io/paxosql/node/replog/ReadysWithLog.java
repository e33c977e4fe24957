package io.paxosql.node.replog;

import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.Ready;
import java.util.List;

/**
 * The Readys handed to the log and not yet durable, and how many more the core may hand out meanwhile.
 * The log's writer appends everything queued while it synced and makes it durable with one sync (group
 * commit), then completes each Ready in the order it was handed over; so a Ready taken while others are
 * with the log is written into the next group instead of waiting for the previous sync to return before it
 * is even taken. Replies that vouch for a record still leave only once their own Ready is durable: the
 * core releases them through {@link PaxosNode#advance()}, which the owner calls per completion, oldest
 * first. It also remembers the big accepts whose Ready is not durable yet ({@link AcceptsBeingWritten}).
 * On the node's context only.
 */
final class ReadysWithLog {
  /**
   * Readys that may be with the log at once while less than {@link #BIG_BYTES} of values are. One at a time
   * bounds a closed loop by the fsync latency (the Ready carrying the next proposal is taken only after the
   * one holding the previous Chosen record synced), but 4 measured no better under load 10-25 and lowered
   * 128 proposers (bench/RESULTS.md, issue 16, lead 3): kept at 1 until measured on a quiet machine.
   */
  static final int SMALL_PIPELINE = 1;
  /**
   * Readys with records to write that may be with the log at once while {@link #BIG_BYTES} or more of values
   * are. With one at a time a Ready of renewals waited behind every write and sync of a multi-MB value (the
   * lease lapsed mid-transaction at load 20+: bench/RESULTS.md, issue 16, large transactions).
   */
  static final int WRITES = 4;
  /**
   * Readys in flight at all: those with nothing to write cost only the list of replies they hold back,
   * and they must not wait behind a big write (the lease's renewals travel in them).
   */
  static final int READYS = 256;
  /** A Ready holding at least this many bytes of records counts as a big one (a part of a large transaction). */
  static final long BIG_BYTES = 1L << 20;

  /** How long one Ready took from hand-over to durable, and the value bytes it held. */
  interface Timing {
    void persisted(long bytes, long nanos);
  }

  private final PaxosLog log;
  private final Timing timing;
  private final AcceptsBeingWritten acceptsBeingWritten = new AcceptsBeingWritten();
  private int readys;
  private int writes;
  private long bytes;

  ReadysWithLog(PaxosLog log, Timing timing) {
    this.log = log;
    this.timing = timing;
  }

  /** How many Readys the core may have awaiting advance() now: one more than are with the log, while there is room. */
  int allowedUnconfirmed() {
    boolean room = bytes >= BIG_BYTES ? readys < READYS && writes < WRITES : readys < SMALL_PIPELINE;
    return room ? readys + 1 : Math.max(1, readys);
  }

  /** Readys handed over and not yet durable. */
  int inFlight() {
    return readys;
  }

  /** An accept is being stepped into the core; a big one is remembered until its Ready is durable. */
  void stepping(Message.Accept a) {
    if (a.value().size() >= BIG_BYTES) {
      acceptsBeingWritten.stepped(a.from(), a.instance(), a.ballot());
    }
  }

  /** Whether an earlier copy of this big accept is still being written here (see {@link AcceptsBeingWritten}). */
  boolean stillWriting(int from, long instance, Ballot ballot) {
    return acceptsBeingWritten.beingWritten(from, instance, ballot);
  }

  /** Copies of big accepts dropped since the last call, because an earlier copy was being written. */
  long takeDroppedAccepts() {
    return acceptsBeingWritten.takeDropped();
  }

  /**
   * Hands {@code r}'s records to the log; {@code durable} runs on the node's context once they, and every
   * Ready handed over before, are durable.
   *
   * @return false if {@code r} has nothing to write and nothing is with the log: it is durable now, and
   *     the caller completes it at once ({@code durable} will not run)
   */
  boolean persist(Ready r, Runnable durable) {
    acceptsBeingWritten.readyTaken();
    List<LogRecord> records = RecordMapping.toLog(r.persist());
    if (records.isEmpty() && readys == 0) {
      acceptsBeingWritten.readyDone();
      return false;
    }
    // Even with nothing to write, a Ready behind others in flight is confirmed after them, in order.
    int w = records.isEmpty() ? 0 : 1;
    long b = valueBytes(r);
    readys++;
    writes += w;
    bytes += b;
    long handedOver = System.nanoTime();
    log.persist(records, () -> {
      readys--;
      writes -= w;
      bytes -= b;
      timing.persisted(b, System.nanoTime() - handedOver);
      acceptsBeingWritten.readyDone();
      durable.run();
    });
    return true;
  }

  /** Value bytes among a Ready's records (promises and member sets are a few bytes). */
  private static long valueBytes(Ready r) {
    long b = 0;
    for (Durable d : r.persist()) {
      if (d instanceof Durable.Accepted a) {
        b += a.value().size();
      } else if (d instanceof Durable.Chosen c) {
        b += c.value().size();
      }
    }
    return b;
  }
}
