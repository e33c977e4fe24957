package io.paxosql.node.chain;

import io.paxosql.log.LogConfig;
import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.log.ReadResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The chain's view of a real Chronicle {@link PaxosLog} on one node, without consensus: each proposal is
 * chosen at the next instance, written as a Chosen record and delivered once durable. Lets a test drive a
 * million transactions through the chain and the real log quickly.
 */
final class DiskChosenLog implements ChosenLog, AutoCloseable {
  final PaxosLog log;
  final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private final List<Consumer<ChosenEntry>> followers = new CopyOnWriteArrayList<>();
  private final boolean asAcceptor;
  private long next;

  DiskChosenLog(LogConfig cfg) {
    this(cfg, false);
  }

  /**
   * @param asAcceptor write each value twice, as an Accepted and then a Chosen record, as a voting member's
   *     log holds it (so the log's bytes are those of a node)
   */
  DiskChosenLog(LogConfig cfg, boolean asAcceptor) {
    this.asAcceptor = asAcceptor;
    log = PaxosLog.open(cfg, Runnable::run, fatal::set);
    next = log.chosenBelow();
  }

  @Override
  public synchronized Future<LogPosition> propose(byte[] bytes) {
    long instance = next++;
    Promise<LogPosition> p = Promise.promise();
    List<LogRecord> records = asAcceptor
        ? List.of(new LogRecord.Accepted(instance, 1, 1, bytes), new LogRecord.Chosen(instance, bytes))
        : List.of(new LogRecord.Chosen(instance, bytes));
    log.persist(records, () -> {
      ChosenEntry e = new ChosenEntry(new LogPosition(instance, 0), bytes);
      followers.forEach(f -> f.accept(e));
      p.complete(e.position());
    });
    return p.future();
  }

  @Override
  public int maxProposalBytes() {
    return 1 << 20;
  }

  /** Replays what is durable from {@code from}, then delivers new values; call it before proposing. */
  @Override
  public synchronized AutoCloseable follow(LogPosition from, Consumer<ChosenEntry> listener) {
    long at = Math.max(from.instance(), log.firstRetained());
    while (at < log.chosenBelow()) {
      ReadResult r = log.read(at, 4096, 8 << 20).join();
      if (r.snapshotNeeded()) {
        throw new IllegalStateException("log starts at " + r.firstRetained() + ", after " + at);
      }
      for (LogRecord.Chosen c : r.values()) {
        ChosenEntry e = new ChosenEntry(new LogPosition(c.instance(), 0), c.value());
        if (e.position().compareTo(from) >= 0) {
          listener.accept(e);
        }
        at = c.instance() + 1;
      }
    }
    followers.add(listener);
    return () -> followers.remove(listener);
  }

  @Override
  public Future<List<ChosenEntry>> read(LogPosition from, int max) {
    return Future.fromCompletionStage(log.read(Math.max(from.instance(), log.firstRetained()), max, 8 << 20))
        .map(r -> {
          List<ChosenEntry> out = new ArrayList<>();
          for (LogRecord.Chosen c : r.values()) {
            ChosenEntry e = new ChosenEntry(new LogPosition(c.instance(), 0), c.value());
            if (e.position().compareTo(from) >= 0) {
              out.add(e);
            }
          }
          return out;
        });
  }

  @Override
  public void close() {
    log.close();
  }
}
