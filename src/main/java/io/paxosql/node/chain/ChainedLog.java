package io.paxosql.node.chain;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.GtidAt;
import io.paxosql.binlog.log.GtidLocator;
import io.paxosql.binlog.log.GtidPositionException;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.binlog.log.RetainedRange;
import io.paxosql.binlog.log.TransactionLog;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's transaction log: the chain of accepted transactions that {@link ChainState} derives
 * from the chosen Paxos entries. Binlog servers read it; the master's capture appends to it. An
 * append completes only when its transaction is chosen <em>and</em> accepted by the chain, so the
 * capture never ACKs a transaction a deposed master got chosen out of turn.
 *
 * <p>Only small facts per transaction (sequence, GTID, log position) stay in memory; transaction
 * bytes are read back from the Paxos log.
 */
public final class ChainedLog implements TransactionLog {
  private static final Logger log = LoggerFactory.getLogger(ChainedLog.class);

  /** What the chain keeps about each accepted transaction. */
  record Link(long sequence, Gtid gtid, LogPosition position) implements GtidAt {}

  private final ChosenLog chosen;
  private final int nodeId;
  private final Consumer<String> onOwnTransactionRejected;
  private final List<Consumer<LogEntry>> listeners = new CopyOnWriteArrayList<>();
  private final List<Link> links = new ArrayList<>();
  private final Map<Gtid, Promise<LogEntry>> pendingAppends = new HashMap<>();
  private final Map<Long, Promise<Void>> pendingEpochs = new HashMap<>();
  private ChainState state = ChainState.EMPTY;
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
    this.chosen = chosen;
    this.nodeId = nodeId;
    this.onOwnTransactionRejected = onOwnTransactionRejected;
  }

  /** Starts deriving the chain from the beginning of the Paxos log. */
  public synchronized void start() {
    following = chosen.follow(LogPosition.START, this::onChosen);
  }

  public synchronized void stop() throws Exception {
    if (following != null) {
      following.close();
    }
    endEpoch("the node is stopping");
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
    List<Promise<LogEntry>> failed;
    synchronized (this) {
      masterEpoch = 0;
      failed = new ArrayList<>(pendingAppends.values());
      pendingAppends.clear();
    }
    failed.forEach(p -> p.tryFail("not appended: " + why));
  }

  @Override
  public Future<LogEntry> append(Transaction tx) {
    Promise<LogEntry> result = Promise.promise();
    byte[] bytes;
    synchronized (this) {
      Gtid gtid = tx.gtid();
      if (state.gtids().covers(gtid)) {
        // Resent after a lost ACK or a capture reconnect: already in the chain (EVENT_EXIST).
        Link link = linkOf(gtid);
        return link != null ? Future.succeededFuture(new LogEntry(link.sequence(), tx))
            : Future.failedFuture(new IllegalStateException("GTID " + gtid + " is covered by the chain position "
                + state.gtids() + " but is not one of its transactions: this master diverged"));
      }
      Promise<LogEntry> pending = pendingAppends.get(gtid);
      if (pending != null) {
        return pending.future();
      }
      if (masterEpoch == 0) {
        return Future.failedFuture(new IllegalStateException("this node is not master: transaction " + gtid
            + " is not appended"));
      }
      ChainedTransaction record = new ChainedTransaction(masterEpoch, tailSequence + 1, tailGtid, tx);
      tailSequence++;
      tailGtid = gtid;
      pendingAppends.put(gtid, result);
      bytes = ChainRecordCodec.encode(record);
    }
    chosen.propose(bytes).onFailure(e -> {
      Promise<LogEntry> p;
      synchronized (this) {
        p = pendingAppends.remove(tx.gtid());
      }
      if (p != null) {
        p.tryFail(e);
      }
    });
    return result.future();
  }

  @Override
  public Future<List<LogEntry>> read(long fromSequence, int max) {
    List<Link> wanted;
    synchronized (this) {
      if (links.isEmpty() || fromSequence > last()) {
        return Future.succeededFuture(List.of());
      }
      if (fromSequence < first()) {
        return Future.failedFuture(new IllegalArgumentException("sequence " + fromSequence
            + " is no longer retained; the chain starts at " + first()));
      }
      int from = (int) (fromSequence - first());
      wanted = List.copyOf(links.subList(from, (int) Math.min(links.size(), (long) from + max)));
    }
    return readLinks(wanted, new ArrayList<>());
  }

  /** Reads the transactions of {@code wanted} from the Paxos log, skipping entries the chain refused. */
  private Future<List<LogEntry>> readLinks(List<Link> wanted, List<LogEntry> out) {
    if (out.size() == wanted.size()) {
      return Future.succeededFuture(out);
    }
    Link next = wanted.get(out.size());
    return chosen.read(next.position(), Math.max(16, wanted.size() - out.size())).compose(entries -> {
      int i = out.size();
      for (ChosenEntry e : entries) {
        if (i == wanted.size()) {
          break;
        }
        if (e.position().equals(wanted.get(i).position())) {
          ChainedTransaction t = (ChainedTransaction) ChainRecordCodec.decode(e.bytes());
          out.add(new LogEntry(wanted.get(i).sequence(), t.transaction()));
          i++;
        }
      }
      if (entries.isEmpty()) {
        return Future.failedFuture(new IllegalStateException("the Paxos log has no entry at " + next.position()
            + " although the chain accepted sequence " + next.sequence() + " there"));
      }
      return readLinks(wanted, out);
    });
  }

  @Override
  public synchronized Future<Long> locate(GtidState replica) {
    try {
      return Future.succeededFuture(GtidLocator.locate(retained(), links, replica));
    } catch (GtidPositionException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public AutoCloseable subscribe(Consumer<LogEntry> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public synchronized RetainedRange retained() {
    return new RetainedRange(first(), last(), GtidState.EMPTY, state.gtids());
  }

  private long first() {
    return links.isEmpty() ? state.lastSequence() + 1 : links.get(0).sequence();
  }

  private long last() {
    return state.lastSequence();
  }

  private Link linkOf(Gtid gtid) {
    for (int i = links.size() - 1; i >= 0; i--) {
      if (links.get(i).gtid().equals(gtid)) {
        return links.get(i);
      }
    }
    return null;
  }

  private void onChosen(ChosenEntry entry) {
    ChainRecord record;
    try {
      record = ChainRecordCodec.decode(entry.bytes());
    } catch (IllegalArgumentException e) {
      // Every node refuses the same bytes the same way, so skipping keeps the chains identical.
      log.error("chosen entry at {} is not a chain record and is skipped: {}", entry.position(), e.getMessage());
      return;
    }
    LogEntry accepted = null;
    Promise<LogEntry> appendDone = null;
    Promise<Void> epochDone = null;
    String epochFailure = null;
    String ownRejection = null;
    synchronized (this) {
      ChainState.Step step = state.apply(record);
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
          ownRejection = "node " + mc.nodeId() + " became master at epoch " + mc.epoch();
        }
      } else {
        ChainedTransaction t = (ChainedTransaction) record;
        Gtid gtid = t.transaction().gtid();
        appendDone = pendingAppends.remove(gtid);
        switch (step.verdict()) {
          case ACCEPTED -> {
            links.add(new Link(t.sequence(), gtid, entry.position()));
            accepted = new LogEntry(t.sequence(), t.transaction());
          }
          case DUPLICATE -> {
            Link link = linkOf(gtid);
            accepted = link == null ? null : new LogEntry(link.sequence(), t.transaction());
            if (appendDone != null && accepted != null) {
              appendDone.tryComplete(accepted);
              appendDone = null;
            }
            accepted = null;
          }
          case REJECTED -> {
            if (appendDone != null) {
              ownRejection = step.reason();
            }
          }
        }
      }
      state = step.next();
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
        appendDone.tryComplete(accepted);
      }
      for (Consumer<LogEntry> l : listeners) {
        l.accept(accepted);
      }
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
