package io.paxosql.node.chain;

import io.paxosql.binlog.log.LogPiece;
import io.paxosql.binlog.log.LogReader;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.TransactionPart;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * A binlog server's place in the chain. Whole transactions come as one piece; a split transaction comes a few
 * parts at a time, its chunks decoded into events as they are read ({@link TransactionBodyDecoder}), so the
 * reader holds at most about {@code budgetBytes} plus one event, never a whole big transaction. Reads stop at
 * the end of what the chain accepted, skipping chosen records the chain refused.
 */
final class ChainStreamReader implements LogReader {
  /** Entries read from the Paxos log at once while inside a split transaction. */
  private static final int PART_BATCH = 4;

  private final ChosenLog chosen;
  private final ChainedLog chain;
  private final int max;
  private final long budgetBytes;
  private long nextSequence;
  /** The split transaction being read, the next part's index and place, and its events not yet handed out. */
  private ChainLink open;
  private int nextPart;
  private LogPosition nextPosition;
  private TransactionBodyDecoder decoder;
  private List<byte[]> openEvents = new ArrayList<>();

  ChainStreamReader(ChosenLog chosen, ChainedLog chain, long fromSequence, int max, long budgetBytes) {
    this.chosen = chosen;
    this.chain = chain;
    this.nextSequence = fromSequence;
    this.max = max;
    this.budgetBytes = budgetBytes;
  }

  @Override
  public long sequence() {
    return nextSequence;
  }

  @Override
  public Future<List<LogPiece>> next() {
    if (open != null) {
      return read(null, 0, nextPosition, new ArrayList<>(), 0);
    }
    List<ChainLink> wanted;
    try {
      wanted = chain.linksToRead(nextSequence, max);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (wanted.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return read(wanted, 0, wanted.get(0).position(), new ArrayList<>(), 0);
  }

  /**
   * Reads from {@code from} on: the links {@code wanted} from index {@code k} (null: only the rest of the open
   * split transaction), until they are all out or {@code bytes} reached the budget.
   */
  private Future<List<LogPiece>> read(List<ChainLink> wanted, int k, LogPosition from, List<LogPiece> out,
      long bytes) {
    int entries = open != null ? Math.min(PART_BATCH, open.parts() - nextPart) : Math.max(16, wanted.size() - k);
    return chosen.read(from, entries).compose(got -> {
      if (got.isEmpty()) {
        long seq = open != null ? open.sequence() : wanted.get(k).sequence();
        return Future.failedFuture(new IllegalStateException("the Paxos log has no entry at or after " + from
            + " although the chain accepted sequence " + seq));
      }
      int at = k;
      long read = bytes;
      LogPosition after = from;
      for (ChosenEntry e : got) {
        if (stop(wanted, at, read, out)) {
          break;
        }
        after = new LogPosition(e.position().instance(), e.position().index() + 1);
        if (open == null) {
          ChainLink link = wanted.get(at);
          if (!e.position().equals(link.position())) {
            continue;   // a record the chain refused
          }
          ChainRecord r = ChainRecordCodec.decode(e.bytes());
          if (link.parts() == 1) {
            ChainedTransaction t = (ChainedTransaction) r;
            LogPiece p = new LogPiece(link.sequence(), link.gtid(), t.transaction().events(), true);
            out.add(p);
            read += p.sizeBytes();
            at++;
            nextSequence = link.sequence() + 1;
            continue;
          }
          open = link;
          nextPart = 0;
          decoder = new TransactionBodyDecoder(link.gtid());
          read += takePart(r, e, out);
          at++;
        } else {
          read += takePart(ChainRecordCodec.decode(e.bytes()), e, out);
        }
      }
      nextPosition = after;
      if (stop(wanted, at, read, out)) {
        if (open != null && !openEvents.isEmpty()) {
          out.add(new LogPiece(open.sequence(), open.gtid(), openEvents, false));
          openEvents = new ArrayList<>();
        }
        return Future.succeededFuture(out);
      }
      return read(wanted, at, after, out, read);
    });
  }

  private boolean stop(List<ChainLink> wanted, int at, long bytes, List<LogPiece> out) {
    if (open != null) {
      return bytes >= budgetBytes && (!out.isEmpty() || !openEvents.isEmpty());
    }
    return wanted == null || at == wanted.size() || (bytes >= budgetBytes && !out.isEmpty());
  }

  /** Takes the next part of the open transaction; returns its chunk's size. Ends the transaction at its last. */
  private long takePart(ChainRecord r, ChosenEntry e, List<LogPiece> out) {
    if (!(r instanceof TransactionPart p) || !p.gtid().equals(open.gtid()) || p.index() != nextPart) {
      throw new IllegalStateException("the Paxos log holds " + r + " at " + e.position() + " where the chain"
          + " accepted part " + nextPart + " of " + open.gtid() + ": the log changed under the chain");
    }
    openEvents.addAll(decoder.feed(p.chunk()));
    nextPart++;
    if (nextPart == open.parts()) {
      decoder.requireComplete();
      out.add(new LogPiece(open.sequence(), open.gtid(), openEvents, true));
      nextSequence = open.sequence() + 1;
      open = null;
      decoder = null;
      openEvents = new ArrayList<>();
    }
    return p.chunk().length;
  }
}
