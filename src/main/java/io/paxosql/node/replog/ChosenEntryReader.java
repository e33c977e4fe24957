package io.paxosql.node.replog;

import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Value;
import io.paxosql.transport.MessageCodec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Reads chosen entries back for the followers of the log (the chain's readers: binlog servers, the chain's
 * own read-back). The log on disk serves only values whose Chosen records are durable; a value handed to
 * the followers before that ({@link CoreDriver.Hooks#chosenEarly}) is held here, in memory, until its Chosen
 * record is durable, so a reader woken by it finds its bytes. What is held is bounded by the values of the
 * Ready values in flight (their Chosen records are being synced). Runs on the node's context.
 */
final class ChosenEntryReader {
  private final PaxosLog log;
  private final Context context;
  private final LongSupplier durableBelow;
  /** Values delivered before their Chosen records were durable here: instance → value. */
  private final TreeMap<Long, Value> early = new TreeMap<>();

  /** @param durableBelow one past the last instance whose Chosen record is durable here */
  ChosenEntryReader(PaxosLog log, Context context, LongSupplier durableBelow) {
    this.log = log;
    this.context = context;
    this.durableBelow = durableBelow;
  }

  /** These values went to the followers before their Chosen records were durable: hold them. */
  void deliveredEarly(List<ChosenValue> chosen) {
    for (ChosenValue c : chosen) {
      early.put(c.instance(), c.value());
    }
  }

  /** Chosen records below {@code below} are durable: the disk serves those values from now on. */
  void durableBelow(long below) {
    early.headMap(below).clear();
  }

  /** Values held in memory now (for tests). */
  int held() {
    return early.size();
  }

  /**
   * Up to {@code max} entries at or after {@code from}, in order: from the disk below what is durable,
   * then from the values held here, without a gap. Reads on past instances that hold no proposal (no-ops,
   * membership changes): a run of them longer than {@code max} (a membership change's window fills with
   * no-ops) must not look like the end of the log. Fails when the log no longer holds {@code from}.
   */
  Future<List<ChosenEntry>> read(LogPosition from, int max, long maxBytes) {
    Promise<List<ChosenEntry>> p = Promise.promise();
    context.runOnContext(v -> readOnContext(from, Math.max(from.instance(), log.firstRetained()), max, maxBytes, p));
    return p.future();
  }

  private void readOnContext(LogPosition from, long start, int max, long maxBytes, Promise<List<ChosenEntry>> p) {
    if (start >= durableBelow.getAsLong()) {
      List<ChosenEntry> out = new ArrayList<>();
      fromMemory(start, from, max, out);
      p.complete(out);
      return;
    }
    // The disk holds [start, durableBelow) now; what it returns is followed by what is held here, if the
    // next instance still is (it may have become durable meanwhile: then the reader asks again from there).
    Future.fromCompletionStage(log.read(start, max, maxBytes), context).onComplete((rr, err) -> {
      if (err != null) {
        p.fail(err);
        return;
      }
      if (rr.snapshotNeeded()) {
        p.fail(new IllegalStateException("snapshot needed: this node's log starts at " + rr.firstRetained()));
        return;
      }
      List<ChosenEntry> out = new ArrayList<>();
      long next = start;
      for (LogRecord.Chosen c : rr.values()) {
        LogFollower.entries(c.instance(), MessageCodec.valueFromBytes(c.value()), from, out);
        next = c.instance() + 1;
        if (out.size() >= max) {
          p.complete(out.subList(0, max));
          return;
        }
      }
      if (out.isEmpty() && !rr.values().isEmpty()) {
        // Only instances without proposals so far; each round reads at least one more, so this ends.
        readOnContext(from, next, max, maxBytes, p);
        return;
      }
      if (rr.values().size() < max && (rr.values().isEmpty() || next >= rr.chosenBelow())) {
        fromMemory(next, from, max, out);
      }
      p.complete(out);
    });
  }

  /** Adds held values from {@code instance} on while they run without a gap, up to {@code max} entries. */
  private void fromMemory(long instance, LogPosition from, int max, List<ChosenEntry> out) {
    long next = instance;
    for (Map.Entry<Long, Value> e : early.tailMap(instance).entrySet()) {
      if (e.getKey() != next || out.size() >= max) {
        break;
      }
      LogFollower.entries(e.getKey(), e.getValue(), from, out);
      next++;
    }
    if (out.size() > max) {
      out.subList(max, out.size()).clear();
    }
  }
}
