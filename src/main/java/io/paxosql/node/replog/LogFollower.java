package io.paxosql.node.replog;

import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Value;
import io.paxosql.transport.MessageCodec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One follower of the log ({@link ReplicatedLog#follow}): replays from the disk until it reaches the live
 * point, then gets each new value as it becomes durable. Runs on the node's context; {@link #live()} is
 * read on any thread.
 */
final class LogFollower {
  private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
  /** Values and bytes per replay read. */
  private static final int READ_VALUES = 1024;
  private static final long READ_BYTES = 8 << 20;

  private final Consumer<ChosenEntry> listener;
  private final PaxosLog log;
  private final Context context;
  private final CoreDriver driver;
  /** Values this node's followers read back from the disk (the work a restart does), shared per log. */
  private final LongAdder replayed;
  private LogPosition next;
  private volatile boolean live;
  private boolean closed;

  LogFollower(LogPosition from, Consumer<ChosenEntry> listener, PaxosLog log, Context context, CoreDriver driver,
      LongAdder replayed) {
    this.replayed = replayed;
    this.next = from;
    this.listener = listener;
    this.log = log;
    this.context = context;
    this.driver = driver;
  }

  /** Whether the replay reached the live point: from now on each value comes as it is chosen. */
  boolean live() {
    return live;
  }

  void close() {
    closed = true;
  }

  /** Replays from the disk up to what is durable now, then turns live. */
  void pump() {
    if (closed) {
      return;
    }
    long inst = Math.max(next.instance(), log.firstRetained());
    if (inst >= driver.chosenBelow()) {
      live = true;
      return;
    }
    Future.fromCompletionStage(log.read(inst, READ_VALUES, READ_BYTES), context).onComplete((rr, err) -> {
      if (closed) {
        return;
      }
      if (err != null || rr.snapshotNeeded()) {
        LOG.warn("node {}: a follower of the log at {} cannot continue: {}", driver.nodeId(), next,
            err != null ? err.toString() : "snapshot needed (log starts at " + rr.firstRetained() + ")");
        return;
      }
      replayed.add(rr.values().size());
      for (LogRecord.Chosen c : rr.values()) {
        deliver(c.instance(), MessageCodec.valueFromBytes(c.value()));
      }
      pump();
    });
  }

  /**
   * A value chosen and durably accepted here whose Chosen record is not durable yet: delivered only if it
   * is the very next one this follower needs, so nothing is skipped; otherwise it comes again once durable.
   */
  void deliverEarly(long instance, Value v) {
    if (live && instance == next.instance()) {
      deliver(instance, v);
    }
  }

  /** Hands the entries of chosen value {@code v} at {@code instance} to the listener, unless already seen. */
  void deliver(long instance, Value v) {
    if (closed || instance < next.instance()) {
      return;
    }
    List<ChosenEntry> out = new ArrayList<>();
    entries(instance, v, next, out);
    next = new LogPosition(instance + 1, 0);
    for (ChosenEntry e : out) {
      listener.accept(e);
    }
  }

  /** Adds the data entries of value {@code v} at {@code instance}, from position {@code from} on, to {@code out}. */
  static void entries(long instance, Value v, LogPosition from, List<ChosenEntry> out) {
    List<Entry> es = v.entries();
    for (int i = 0; i < es.size(); i++) {
      if (es.get(i) instanceof Entry.Data d) {
        LogPosition pos = new LogPosition(instance, i);
        if (pos.compareTo(from) >= 0) {
          out.add(new ChosenEntry(pos, d.bytes()));
        }
      }
    }
  }
}
