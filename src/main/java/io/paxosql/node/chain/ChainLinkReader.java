package io.paxosql.node.chain;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.TransactionPart;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the transactions of some links back from the Paxos log, skipping entries the chain refused
 * and joining the parts of split transactions (consecutive entries, as the chain accepted them).
 * Stops early once it holds {@code budgetBytes} (at least one transaction), so a reader of big
 * transactions does not hold dozens of them at once. One reader serves one read; it needs no lock,
 * as the links are a copy and the log's entries do not change once chosen.
 */
final class ChainLinkReader {
  private final ChosenLog chosen;
  private final List<ChainLink> wanted;
  private final long budgetBytes;
  private final List<LogEntry> out = new ArrayList<>();
  private final List<byte[]> chunks = new ArrayList<>();
  private long bytes;

  /** @param wanted consecutive links, at least one */
  ChainLinkReader(ChosenLog chosen, List<ChainLink> wanted, long budgetBytes) {
    this.chosen = chosen;
    this.wanted = wanted;
    this.budgetBytes = budgetBytes;
  }

  /** The wanted transactions (or the first ones within the budget), read from the first link's position. */
  Future<List<LogEntry>> read() {
    return next(wanted.get(0).position());
  }

  private Future<List<LogEntry>> next(LogPosition from) {
    int entriesWanted = Math.max(16, wanted.size() - out.size() + wanted.get(out.size()).parts());
    return chosen.read(from, entriesWanted).compose(entries -> {
      if (entries.isEmpty()) {
        ChainLink link = wanted.get(out.size());
        return Future.failedFuture(new IllegalStateException("the Paxos log has no entry at or after " + from
            + " although the chain accepted sequence " + link.sequence() + " (" + link.gtid() + ") at "
            + link.position()));
      }
      LogPosition after = from;
      for (ChosenEntry e : entries) {
        if (done()) {
          break;
        }
        take(e);
        after = new LogPosition(e.position().instance(), e.position().index() + 1);
      }
      return done() ? Future.succeededFuture(out) : next(after);
    });
  }

  private boolean done() {
    return out.size() == wanted.size() || (!out.isEmpty() && bytes >= budgetBytes && chunks.isEmpty());
  }

  private void take(ChosenEntry e) {
    ChainLink link = wanted.get(out.size());
    if (chunks.isEmpty() && !e.position().equals(link.position())) {
      return;   // a record the chain refused
    }
    ChainRecord r = ChainRecordCodec.decode(e.bytes());
    Transaction tx;
    if (link.parts() == 1) {
      tx = ((ChainedTransaction) r).transaction();
    } else {
      if (!(r instanceof TransactionPart p) || !p.gtid().equals(link.gtid()) || p.index() != chunks.size()) {
        throw new IllegalStateException("the Paxos log holds " + r + " at " + e.position() + " where the chain"
            + " accepted part " + chunks.size() + " of " + link.gtid() + ": the log changed under the chain");
      }
      chunks.add(p.chunk());
      if (chunks.size() < link.parts()) {
        return;
      }
      tx = ChainRecordCodec.decodeBody(link.gtid(), chunks);
      chunks.clear();
    }
    out.add(new LogEntry(link.sequence(), tx));
    bytes += tx.sizeBytes();
  }
}
