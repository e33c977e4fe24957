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
 * own read-back). It holds in memory the values it was handed as chosen:
 * <ul>
 *   <li>those handed to the followers before their Chosen records were durable here
 *   ({@link CoreDriver.Hooks#chosenEarly}), until they are, so a reader woken by one finds its bytes (the disk
 *   serves only values whose Chosen records are durable); bounded by the values of the Readys in flight;</li>
 *   <li>the newest durable ones, up to {@link #RECENT_BYTES}: a binlog server reads each transaction just after
 *   the chain accepted it, and a read from memory costs no trip to the log's reader thread, no decoding of the
 *   log's records (Accepted records included) and no protobuf parse of the value.</li>
 * </ul>
 * A chosen value never changes, so memory and disk serve the same bytes. Runs on the node's context.
 */
final class ChosenEntryReader {
  /** Bytes of durable values kept for readers beyond those not yet durable (the core keeps them in memory too). */
  static final long RECENT_BYTES = 8L << 20;

  private final PaxosLog log;
  private final Context context;
  private final LongSupplier durableBelow;
  /** Values handed out as chosen: instance → value. Those below durableBelow are dropped oldest first. */
  private final TreeMap<Long, Value> held = new TreeMap<>();
  private long heldBytes;

  /** @param durableBelow one past the last instance whose Chosen record is durable here */
  ChosenEntryReader(PaxosLog log, Context context, LongSupplier durableBelow) {
    this.log = log;
    this.context = context;
    this.durableBelow = durableBelow;
  }

  /** These values went to the followers before their Chosen records were durable: hold them. */
  void deliveredEarly(List<ChosenValue> chosen) {
    chosen.forEach(this::hold);
  }

  /**
   * These values are chosen and their Chosen records durable here, below {@code below}: kept while the newest
   * durable values hold less than {@link #RECENT_BYTES}.
   */
  void deliveredDurable(List<ChosenValue> chosen, long below) {
    chosen.forEach(this::hold);
    long notDurable = 0;
    for (Value v : held.tailMap(below).values()) {
      notDurable += v.size();
    }
    while (!held.isEmpty() && held.firstKey() < below && heldBytes - notDurable > RECENT_BYTES) {
      heldBytes -= held.pollFirstEntry().getValue().size();
    }
  }

  private void hold(ChosenValue c) {
    Value before = held.put(c.instance(), c.value());
    if (before == null) {
      heldBytes += c.value().size();
    }
  }

  /** Values held in memory now (for tests). */
  int held() {
    return held.size();
  }

  /**
   * Up to {@code max} entries at or after {@code from}, in order: from memory while it holds the next value,
   * else from the disk below what is durable, then again from memory, without a gap. Reads on past instances
   * that hold no proposal (no-ops, membership changes): a run of them longer than {@code max} (a membership
   * change's window fills with no-ops) must not look like the end of the log. Fails when the log no longer
   * holds {@code from}.
   */
  Future<List<ChosenEntry>> read(LogPosition from, int max, long maxBytes) {
    Promise<List<ChosenEntry>> p = Promise.promise();
    context.runOnContext(v -> readOnContext(from, Math.max(from.instance(), log.firstRetained()), max, maxBytes, p));
    return p.future();
  }

  private void readOnContext(LogPosition from, long start, int max, long maxBytes, Promise<List<ChosenEntry>> p) {
    List<ChosenEntry> out = new ArrayList<>();
    long next = fromMemory(start, from, max, maxBytes, out);
    if (next > start) {
      if (out.isEmpty() && next < durableBelow.getAsLong()) {
        // Only instances without proposals so far; each round passes at least one more, so this ends.
        readOnContext(from, next, max, maxBytes, p);
      } else {
        p.complete(out);
      }
      return;
    }
    if (start >= durableBelow.getAsLong()) {
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
      long after = start;
      for (LogRecord.Chosen c : rr.values()) {
        LogFollower.entries(c.instance(), MessageCodec.valueFromBytes(c.value()), from, out);
        after = c.instance() + 1;
        if (out.size() >= max) {
          p.complete(out.subList(0, max));
          return;
        }
      }
      if (out.isEmpty() && !rr.values().isEmpty()) {
        // Only instances without proposals so far; each round reads at least one more, so this ends.
        readOnContext(from, after, max, maxBytes, p);
        return;
      }
      if (rr.values().size() < max && (rr.values().isEmpty() || after >= rr.chosenBelow())) {
        fromMemory(after, from, max, maxBytes, out);
      }
      p.complete(out);
    });
  }

  /**
   * Adds held values from {@code instance} on while they run without a gap, up to {@code max} entries and
   * about {@code maxBytes}; returns the instance after the last value it took ({@code instance} if none).
   */
  private long fromMemory(long instance, LogPosition from, int max, long maxBytes, List<ChosenEntry> out) {
    long next = instance;
    long bytes = 0;
    for (Map.Entry<Long, Value> e : held.tailMap(instance).entrySet()) {
      if (e.getKey() != next || out.size() >= max || (bytes >= maxBytes && !out.isEmpty())) {
        break;
      }
      LogFollower.entries(e.getKey(), e.getValue(), from, out);
      bytes += e.getValue().size();
      next++;
    }
    if (out.size() > max) {
      out.subList(max, out.size()).clear();
    }
    return next;
  }
}
