package io.paxosql.node.chain;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.EntryListeners;
import io.paxosql.binlog.log.GtidAt;
import io.paxosql.binlog.log.GtidLocator;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.binlog.log.LogReader;
import io.paxosql.binlog.log.RetainedRange;
import io.paxosql.binlog.log.TransactionLog;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;
import io.paxosql.node.chain.ChainRecord.TransactionPart;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's transaction log: the chain of accepted transactions that {@link ChainState} derives
 * from the chosen Paxos entries. Binlog servers read it; the master's capture appends to it. An
 * append completes only when its transaction is chosen <em>and</em> accepted by the chain, so the
 * capture never ACKs a transaction a deposed master got chosen out of turn.
 *
 * <p>Only small facts per transaction (sequence, GTID, log position) stay in memory, and only for the
 * retained window ({@link LinkWindow}): from the newest chain checkpoint the node persisted on. Transaction
 * bytes are read back from the Paxos log. Every {@code checkpointEvery} instances, or {@code checkpointBytes}
 * bytes of chosen values if sooner, the chain notes its state as a candidate {@link ChainCheckpoint}; the owner persists the newest one its database has applied
 * ({@link #checkpointCovered}) and then calls {@link #checkpointed}, which trims the window.
 */
public final class ChainedLog implements TransactionLog {
  private static final Logger log = LoggerFactory.getLogger(ChainedLog.class);

  /** Bytes after which a read returns what it has, so big transactions are not all held at once. */
  static final long READ_BUDGET_BYTES = 16L << 20;
  /** Bytes after which a binlog server's streaming read returns what it has (it may stop inside a transaction). */
  static final long STREAM_BUDGET_BYTES = 4L << 20;
  /**
   * Bytes of this node's records proposed and not yet chosen, at most (one record may exceed it). Small,
   * because values in flight share each peer's stream with lease renewals, which wait behind them.
   */
  static final long IN_FLIGHT_BYTES = 4L << 20;
  /** Chosen instances between two candidate checkpoints, by default. */
  public static final long CHECKPOINT_EVERY = 50_000;

  private final ChosenLog chosen;
  private final int nodeId;
  private final Consumer<String> onOwnTransactionRejected;
  private final EntryListeners listeners = new EntryListeners();
  private final LinkWindow links = new LinkWindow(1);
  /** The GTID state just before the window's first transaction (what was trimmed). */
  private GtidState windowBefore = GtidState.EMPTY;
  private final CheckpointCandidates candidates;
  /** The checkpoint the chain started from or last trimmed to; null if it started from the log's beginning. */
  private ChainCheckpoint base;
  /** Appends proposed and not yet judged, by GTID; completed with the chain sequence. */
  private final Map<Gtid, Promise<Long>> pendingAppends = new HashMap<>();
  private final Map<Long, Promise<Void>> pendingEpochs = new HashMap<>();
  private ChainState state = ChainState.EMPTY;
  private final ProposalWindow proposals;
  /** Where the first part of the split transaction the chain holds open is (its bytes stay in the log). */
  private LogPosition openPosition;
  private AutoCloseable following;
  /** The master's epoch while this node masters, else 0; appends are refused without one. */
  private long masterEpoch;
  private long tailSequence;
  private Gtid tailGtid;

  /**
   * @param onOwnTransactionRejected told when the chain refuses a transaction this node proposed
   *     as master: its MariaDB holds it prepared, so the node must fence
   */
  public ChainedLog(ChosenLog chosen, int nodeId, Consumer<String> onOwnTransactionRejected) {
    this(chosen, nodeId, onOwnTransactionRejected, CHECKPOINT_EVERY);
  }

  /** @param checkpointEvery chosen instances between two candidate checkpoints (no byte rule) */
  public ChainedLog(ChosenLog chosen, int nodeId, Consumer<String> onOwnTransactionRejected, long checkpointEvery) {
    this(chosen, nodeId, onOwnTransactionRejected, checkpointEvery, Long.MAX_VALUE);
  }

  /**
   * @param checkpointEvery chosen instances between two candidate checkpoints at most
   * @param checkpointBytes bytes of chosen values between two candidate checkpoints at most (see
   *     {@code LogSettings#checkpointBytes}: what keeps the log near {@code log.retainBytes})
   */
  public ChainedLog(ChosenLog chosen, int nodeId, Consumer<String> onOwnTransactionRejected, long checkpointEvery,
      long checkpointBytes) {
    this.candidates = new CheckpointCandidates(checkpointEvery, checkpointBytes);
    this.proposals = new ProposalWindow(chosen, this, IN_FLIGHT_BYTES, this::failAppend);
    this.chosen = chosen;
    this.nodeId = nodeId;
    this.onOwnTransactionRejected = onOwnTransactionRejected;
  }

  /** Starts deriving the chain from the beginning of the Paxos log. */
  public synchronized void start() {
    following = chosen.follow(LogPosition.START, this::onChosen);
  }

  /**
   * Starts from a checkpoint (this node's own, or one installed from a peer): the chain is {@code cp}'s state
   * and is derived from the Paxos log at {@code cp.next()} on. The log must hold that position or catch it up
   * from peers; nothing before it is read.
   */
  public synchronized void start(ChainCheckpoint cp) {
    if (following != null) {
      throw new IllegalStateException("the chain is already started");
    }
    state = cp.state();
    links.resetTo(cp.state().lastSequence() + 1);
    windowBefore = cp.state().gtids();
    base = cp;
    candidates.startAt(cp.next());
    log.info("chain starts from {}", cp);
    following = chosen.follow(cp.next(), this::onChosen);
  }

  /**
   * The newest candidate checkpoint whose transactions {@code applied} (the database's GTID position) all
   * covers, if it is newer than the one the chain stands on. Persist it, then call {@link #checkpointed}.
   */
  public synchronized Optional<ChainCheckpoint> checkpointCovered(GtidState applied) {
    return candidates.coveredBy(applied);
  }

  /**
   * {@code cp} is durable: the chain will restart from it, so what lies before it is forgotten (the window
   * is trimmed to it, older candidates dropped).
   */
  public synchronized void checkpointed(ChainCheckpoint cp) {
    candidates.dropThrough(cp);
    if (base != null && base.next().compareTo(cp.next()) >= 0) {
      return;
    }
    base = cp;
    links.dropBelow(cp.state().lastSequence() + 1);
    windowBefore = cp.state().gtids();
  }

  /** The checkpoint the chain stands on (started from or last persisted), if any. */
  public synchronized Optional<ChainCheckpoint> base() {
    return Optional.ofNullable(base);
  }

  /** Transactions held in the window now (what memory the chain's index costs). */
  public synchronized long windowSize() {
    return links.size();
  }

  public synchronized void stop() throws Exception {
    if (following != null) {
      following.close();
    }
    endEpoch("the node is stopping");
  }

  /** Transactions appended by this master and not yet accepted (the capture's queue). */
  public synchronized int pendingCount() {
    return pendingAppends.size();
  }

  public synchronized ChainState state() {
    return state;
  }

  /**
   * Opens this node's epoch as master: proposes the master-change record and completes once the
   * chain accepted it. From then on the chain takes only this node's transactions, each after the
   * chain's current end.
   */
  public Future<Void> beginEpoch(long epoch) {
    Promise<Void> accepted = Promise.promise();
    synchronized (this) {
      pendingEpochs.put(epoch, accepted);
    }
    chosen.propose(ChainRecordCodec.encode(new MasterChange(epoch, nodeId)))
        .onFailure(e -> failEpoch(epoch, "could not propose the master change for epoch " + epoch + ": " + e.getMessage()));
    return accepted.future();
  }

  /** Stops taking appends; transactions proposed and not yet accepted fail (they will not be ACKed). */
  public void endEpoch(String why) {
    List<Promise<Long>> failed;
    synchronized (this) {
      masterEpoch = 0;
      proposals.clear();   // records of an ended epoch would only be refused by the chain
      failed = new ArrayList<>(pendingAppends.values());
      pendingAppends.clear();
    }
    failed.forEach(p -> p.tryFail("not appended: " + why));
  }

  @Override
  public Future<LogEntry> append(Transaction tx) {
    Promise<Long> result = Promise.promise();
    synchronized (this) {
      Gtid gtid = tx.gtid();
      if (state.gtids().covers(gtid)) {
        // Resent after a lost ACK or a capture reconnect: already in the chain (EVENT_EXIST).
        ChainLink link = linkOf(gtid);
        if (link != null) {
          return Future.succeededFuture(new LogEntry(link.sequence(), tx));
        }
        return Future.failedFuture(new IllegalStateException(windowBefore.covers(gtid) ? "GTID " + gtid
            + " is older than the chain's retained window (it starts after '" + windowBefore + "'): it cannot be"
            + " resent" : "GTID " + gtid + " is covered by the chain position " + state.gtids()
            + " but is not one of its transactions: this master diverged"));
      }
      Promise<Long> pending = pendingAppends.get(gtid);
      if (pending != null) {
        return pending.future().map(sequence -> new LogEntry(sequence, tx));
      }
      if (masterEpoch == 0) {
        return Future.failedFuture(new IllegalStateException("this node is not master: transaction " + gtid
            + " is not appended"));
      }
      Iterator<byte[]> records;
      try {
        records = ChainRecordCodec.encodeTransaction(masterEpoch, tailSequence + 1, tailGtid, tx,
            chosen.maxProposalBytes());
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(e);
      }
      tailSequence++;
      tailGtid = gtid;
      pendingAppends.put(gtid, result);
      proposals.add(gtid, records);
      proposals.proposeQueued();
    }
    return result.future().map(sequence -> new LogEntry(sequence, tx));
  }

  private void failAppend(Gtid gtid, Throwable e) {
    Promise<Long> p;
    synchronized (this) {
      p = pendingAppends.remove(gtid);
    }
    if (p != null) {
      p.tryFail(e);
    }
  }

  /**
   * Entries from {@code fromSequence}: up to {@code max}, and fewer once they hold {@link #READ_BUDGET_BYTES}
   * (at least one), so a reader of big transactions does not hold dozens of them at once. An empty list
   * means the end of the chain.
   */
  @Override
  public Future<List<LogEntry>> read(long fromSequence, int max) {
    List<ChainLink> wanted;
    synchronized (this) {
      if (fromSequence < first()) {
        return Future.failedFuture(new IllegalArgumentException("sequence " + fromSequence
            + " is no longer retained; the chain starts at " + first()));
      }
      if (links.isEmpty() || fromSequence > last()) {
        return Future.succeededFuture(List.of());
      }
      wanted = links.slice(fromSequence, max);
    }
    return new ChainLinkReader(chosen, wanted, READ_BUDGET_BYTES).read();
  }

  /**
   * A reader for binlog servers: it hands out split transactions a few parts at a time, decoded as read, so
   * no reader holds a whole big transaction ({@link ChainStreamReader}).
   */
  @Override
  public LogReader openReader(long fromSequence, int max) {
    return new ChainStreamReader(chosen, this, fromSequence, max, STREAM_BUDGET_BYTES);
  }

  /** The links from {@code fromSequence}, up to {@code max}; empty at the end of the chain. */
  synchronized List<ChainLink> linksToRead(long fromSequence, int max) {
    if (fromSequence < first()) {
      throw new IllegalArgumentException("sequence " + fromSequence + " is no longer retained; the chain starts at "
          + first());
    }
    if (links.isEmpty() || fromSequence > last()) {
      return List.of();
    }
    return links.slice(fromSequence, max);
  }

  @Override
  public synchronized Future<Long> locate(GtidState replica) {
    return GtidLocator.locateFuture(retained(), links, replica);
  }

  @Override
  public AutoCloseable subscribe(Consumer<GtidAt> listener) {
    return listeners.subscribe(listener);
  }

  @Override
  public synchronized RetainedRange retained() {
    return new RetainedRange(first(), last(), windowBefore, state.gtids());
  }

  private long first() {
    return links.isEmpty() ? state.lastSequence() + 1 : links.first();
  }

  private long last() {
    return state.lastSequence();
  }

  private ChainLink linkOf(Gtid gtid) {
    return links.find(gtid);
  }

  private void onChosen(ChosenEntry entry) {
    ChainRecord record;
    try {
      record = ChainRecordCodec.decode(entry.bytes());
    } catch (IllegalArgumentException e) {
      // Every node refuses the same bytes the same way, so skipping keeps the chains identical. It still
      // counts as a record between parts: a split transaction open here is cut off on every node alike.
      log.error("chosen entry at {} is not a chain record and is skipped: {}", entry.position(), e.getMessage());
      record = null;
    }
    GtidAt accepted = null;
    Promise<Long> appendDone = null;
    Promise<Long> abandonedAppend = null;
    String abandonReason = null;
    Promise<Void> epochDone = null;
    String epochFailure = null;
    String ownRejection = null;
    synchronized (this) {
      ChainState.Step step;
      if (record == null) {
        if (state.open() == null) {
          return;
        }
        ChainState.OpenTransaction o = state.open();
        step = new ChainState.Step(ChainState.Verdict.REJECTED, "not a chain record",
            new ChainState(state.epoch(), state.masterNode(), state.lastSequence(), state.lastGtid(), state.gtids(),
                null), o.gtid(), "transaction " + o.gtid() + " was cut off by an undecodable record at "
                + entry.position());
      } else {
        step = state.apply(record);
      }
      if (step.abandoned() != null) {
        openPosition = null;
        abandonedAppend = pendingAppends.remove(step.abandoned());
        if (abandonedAppend != null) {
          abandonReason = step.abandonReason();
          ownRejection = abandonReason;
        }
      }
      if (record instanceof MasterChange mc) {
        epochDone = mc.nodeId() == nodeId ? pendingEpochs.remove(mc.epoch()) : null;
        if (step.verdict() == ChainState.Verdict.ACCEPTED && mc.nodeId() == nodeId && epochDone != null) {
          masterEpoch = mc.epoch();
          tailSequence = step.next().lastSequence();
          tailGtid = step.next().lastGtid();
        } else if (step.verdict() != ChainState.Verdict.ACCEPTED) {
          epochFailure = step.reason();
        }
        if (step.verdict() == ChainState.Verdict.ACCEPTED && mc.nodeId() != nodeId && masterEpoch != 0) {
          masterEpoch = 0;
          if (ownRejection == null) {
            ownRejection = "node " + mc.nodeId() + " became master at epoch " + mc.epoch();
          }
        }
      } else if (record != null) {
        Gtid gtid = record instanceof TransactionPart p ? p.gtid() : ((ChainedTransaction) record).transaction().gtid();
        if (step.verdict() != ChainState.Verdict.PARTIAL) {
          appendDone = pendingAppends.remove(gtid);
        }
        switch (step.verdict()) {
          case PARTIAL -> {
            TransactionPart p = (TransactionPart) record;
            if (p.index() == 0) {
              openPosition = entry.position();
            }
          }
          case ACCEPTED -> {
            // Only the link is kept and told: a split transaction's bytes stay in the log, read back in parts.
            ChainLink link = record instanceof TransactionPart p
                ? new ChainLink(p.sequence(), gtid, openPosition, p.count())
                : new ChainLink(((ChainedTransaction) record).sequence(), gtid, entry.position(), 1);
            links.add(link);
            accepted = link;
            openPosition = null;
          }
          case DUPLICATE -> {
            ChainLink link = linkOf(gtid);
            if (appendDone != null && link != null) {
              appendDone.tryComplete(link.sequence());
              appendDone = null;
            }
          }
          case REJECTED -> {
            if (appendDone != null) {
              ownRejection = step.reason();
            }
          }
        }
      }
      state = step.next();
      candidates.note(entry.position(), entry.bytes().length, state);
    }
    if (abandonedAppend != null) {
      abandonedAppend.tryFail("refused by the chain: " + abandonReason);
    }
    if (epochDone != null) {
      if (epochFailure == null) {
        epochDone.tryComplete();
      } else {
        epochDone.tryFail(epochFailure);
      }
    }
    if (accepted != null) {
      if (appendDone != null) {
        appendDone.tryComplete(accepted.sequence());
      }
      listeners.publish(accepted);
    } else if (appendDone != null) {
      appendDone.tryFail("refused by the chain: " + ownRejection);
    }
    if (ownRejection != null) {
      endEpoch(ownRejection);
      onOwnTransactionRejected.accept(ownRejection);
    }
  }

  private void failEpoch(long epoch, String why) {
    Promise<Void> p;
    synchronized (this) {
      p = pendingEpochs.remove(epoch);
    }
    if (p != null) {
      p.tryFail(why);
    }
  }
}
