package io.paxosql.log;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.paxosql.log.PaxosLog.ExecutorCompletion;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's one writer thread. Chronicle's appender is single-threaded and syncing must stay off the event
 * loop, so every append, sync and retention pass runs here, in the order queued.
 *
 * <p>Group commit: the thread drains every task queued while it was busy, appends all their records, makes
 * them durable with one sync, and only then hands each batch's completion to the owner's executor, in
 * queue order. Retention runs after that sync, between two groups.
 */
final class LogWriter {
  private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);

  private final LogConfig config;
  private final SingleChronicleQueue queue;
  private final DurableState state;
  private final InstanceIndex index;
  private final RollFiles files;
  private final RollFileSync sync;
  private final Retention retention;
  private final LogStatus status;
  private final ExecutorCompletion completions;
  private final Consumer<Throwable> onFatal;
  private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Timer fsyncTimer;
  private final DistributionSummary groupSize;
  /** Completes with the Chronicle index of the start checkpoint once it is durable. */
  private final CompletableFuture<Long> started = new CompletableFuture<>();
  private final RollClock rollClock;
  private final MappingAdvice mappingAdvice;

  // Owned by the writer thread.
  private ExcerptAppender appender;
  private int lastCycle = Integer.MIN_VALUE;

  private sealed interface Task {}

  private record Persist(List<LogRecord> records, Runnable done) implements Task {}

  private record Retain(long wanted, long floor, long nowMillis, CompletableFuture<Integer> done) implements Task {}

  private record Stop(CompletableFuture<Void> done) implements Task {}

  /** {@code state}, {@code index} and {@code files} pass to the writer thread once {@link #start()} is called. */
  LogWriter(LogConfig config, SingleChronicleQueue queue, DurableState state, InstanceIndex index, RollFiles files,
            LogStatus status, RollClock rollClock, ExecutorCompletion completions, Consumer<Throwable> onFatal) {
    this.config = config;
    this.rollClock = rollClock;
    this.queue = queue;
    this.state = state;
    this.index = index;
    this.files = files;
    this.status = status;
    this.completions = completions;
    this.onFatal = onFatal;
    this.sync = new RollFileSync(config.sync(), config.dir());
    this.mappingAdvice = new MappingAdvice(config.adviseRandom());
    this.retention = new Retention(config, queue, files, index, state, status, sync);
    this.fsyncTimer = Timer.builder("paxosql.log.fsync").description("time to make one group of records durable")
        .publishPercentiles(0.5, 0.99)
        // percentiles of the last ~30 s (default 2 min): the status page's per-second charts follow changes
        .distributionStatisticExpiry(Duration.ofSeconds(30)).register(config.registry());
    this.groupSize = DistributionSummary.builder("paxosql.log.group.records")
        .description("records made durable by one sync").register(config.registry());
    this.thread = new Thread(this::run, "paxosql-log-writer-" + config.dir().getFileName());
    thread.setDaemon(true);
  }

  /**
   * Starts the thread, which first writes and syncs a checkpoint of the recovered state.
   *
   * @return the Chronicle index of that checkpoint
   * @throws CompletionException if it could not be written
   */
  long start() {
    thread.start();
    return started.join();
  }

  /** Queues records; {@code done} runs on the completion executor once they and all before them are durable. */
  void persist(List<LogRecord> records, Runnable done) {
    tasks.add(new Persist(List.copyOf(records), done));
  }

  /** Queues a retention pass; see {@link Retention#retain}. */
  CompletableFuture<Integer> retain(long wanted, long floor, long nowMillis) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    tasks.add(new Retain(wanted, floor, nowMillis, done));
    return done;
  }

  /** Writes and syncs everything queued before, then ends the thread; waits up to 30 s for it. */
  void stop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    tasks.add(new Stop(done));
    try {
      done.get(30, TimeUnit.SECONDS);
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (Exception e) {
      LOG.warn("log writer of {} did not stop cleanly: {}", config.dir(), e.toString());
    }
  }

  /** Ends the thread at once, like a killed process: the caller has set {@link LogStatus#halt()}. */
  void halt() {
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      appender = queue.createAppender();
      // A checkpoint at every start: the newest file then always carries the whole unchosen state.
      append(state.checkpoint());
      long checkpoint = appender.lastIndexAppended();
      sync.sync(appender);
      started.complete(checkpoint);
    } catch (Throwable t) {
      started.completeExceptionally(t);
      return;
    }
    try {
      while (!status.halted()) {
        if (!runGroup()) {
          return;
        }
      }
    } catch (InterruptedException e) {
      // halt(): stop without writing anything more, like a killed process.
    } catch (Throwable t) {
      if (status.halted()) {
        return;
      }
      LogStorageException e = storageFailure(t);
      LOG.error("{}; the node can no longer persist and must stop", e.getMessage(), t);
      status.halt();
      onFatal.accept(e);
    }
  }

  /** The failure as the operator reads it: which directory and file, and what the system said. */
  private LogStorageException storageFailure(Throwable t) {
    File file = null;
    try {
      file = appender == null ? null : appender.currentFile();
    } catch (RuntimeException ignored) {
      // the appender itself may be what broke; the directory still names the log
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String cause = root == t ? t.toString() : t + " (caused by " + root + ")";
    if (root instanceof InternalError && String.valueOf(root.getMessage()).contains("unsafe memory access")) {
      // Chronicle writes through a memory map: the kernel reports a full disk as a fault on the page.
      cause += " (a write into the memory-mapped file failed, which is how a full disk shows)";
    }
    return new LogStorageException("cannot write the Paxos log in " + config.dir()
        + (file == null ? "" : " (file " + file + ")") + ": " + cause
        + ". Free space or replace the disk, then start the node again", t);
  }

  /** Takes one group of tasks and carries it out; false once the thread must end. */
  private boolean runGroup() throws Exception {
    List<Task> batch = new ArrayList<>();
    batch.add(tasks.take());
    tasks.drainTo(batch);
    List<LogRecord> appended = new ArrayList<>();
    Stop stop = null;
    List<Runnable> done = new ArrayList<>();
    List<Retain> retains = new ArrayList<>();
    for (Task t : batch) {
      if (t instanceof Persist p) {
        config.syncFault().beforeAppend(p.records());
        for (LogRecord r : p.records()) {
          append(r);
        }
        appended.addAll(p.records());
        done.add(p.done());
      } else if (t instanceof Retain r) {
        retains.add(r);
      } else if (t instanceof Stop s) {
        stop = s;
      }
    }
    if (status.halted()) {
      return false;
    }
    if (!appended.isEmpty() || sync.pending()) {
      long t0 = System.nanoTime();
      config.syncFault().beforeSync(appended);
      sync.sync(appender);
      fsyncTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
      groupSize.record(appended.size());
    }
    if (status.halted()) {
      return false;
    }
    status.chosenBelow(state.chosenBelow());
    status.heldBytes(files.totalBytes());
    for (Runnable r : done) {
      completions.execute(r);
    }
    for (Retain r : retains) {
      try {
        r.done().complete(retention.retain(r.wanted(), r.floor(), r.nowMillis(), lastCycle));
      } catch (RuntimeException e) {
        r.done().completeExceptionally(e);
      }
    }
    status.heldBytes(files.totalBytes());
    long rollBytes = config.bounds().rollBytes();
    if (rollBytes > 0 && lastCycle != Integer.MIN_VALUE && files.bytes(lastCycle) >= rollBytes) {
      // The current file is full: the next append starts a new one (see RollClock).
      rollClock.atLeastCycle(lastCycle + 1);
    }
    if (stop != null) {
      sync.close();
      appender.close();
      stop.done().complete(null);
      return false;
    }
    return true;
  }

  private void append(Object rec) {
    if (rec instanceof LogRecord.Chosen c) {
      if (c.instance() < state.chosenBelow()) {
        LOG.debug("skipping chosen {} already held", c.instance());
        return;
      }
      if (c.instance() > state.chosenBelow()) {
        throw new IllegalStateException("chosen " + c.instance() + " leaves a gap after " + (state.chosenBelow() - 1));
      }
    }
    byte[] bytes;
    try (DocumentContext dc = appender.writingDocument()) {
      // The checksum covers the entry's own index, so its bytes are valid only at this place.
      bytes = RecordCodec.encode(rec, dc.index());
      dc.wire().bytes().write(bytes);
      mappingAdvice.adviseChunk(dc.wire().bytes().bytesStore());
    }
    long idx = appender.lastIndexAppended();
    int cycle = queue.rollCycle().toCycle(idx);
    boolean rolled = cycle != lastCycle;
    boolean firstEver = lastCycle == Integer.MIN_VALUE;
    if (rolled) {
      File previous = firstEver ? null : files.file(lastCycle);
      lastCycle = cycle;
      File current = appender.currentFile();
      files.noteFile(cycle, current);
      sync.rolled(previous, cycle, current);
    }
    files.noteBytes(cycle, bytes.length + 4);
    state.apply(rec, "append");
    if (rec instanceof LogRecord.Chosen c) {
      index.add(c.instance(), idx);
      files.noteChosen(cycle, c.instance());
    }
    // Each new file starts with the whole acceptor state, so retention can delete the files before it.
    if (rolled && !firstEver && !(rec instanceof RecordCodec.Checkpoint)) {
      append(state.checkpoint());
    }
  }
}
