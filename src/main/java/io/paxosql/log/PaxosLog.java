package io.paxosql.log;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's Paxos log on a Chronicle Queue.
 *
 * <p>All appends happen on one dedicated writer thread (Chronicle's appender is single-threaded and
 * syncing must stay off the event loop). The thread drains every batch queued meanwhile, appends them,
 * makes them durable with one sync (group commit), and only then hands each batch's completion to the
 * {@code completions} executor (the owner's Vert.x context). Reads run on a second thread with their own
 * tailer so catch-up never delays a commit.
 *
 * <p>Every entry carries a CRC32C. Opening the log replays every entry; an entry that fails its checksum
 * stops the open with {@link LogCorruptedException} naming the file and offset. A tail entry whose write
 * never completed (Chronicle leaves its header marked incomplete) is invisible to the scan and is
 * overwritten by the next append.
 */
public final class PaxosLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PaxosLog.class);

  private final LogConfig config;
  private final SingleChronicleQueue queue;
  private final ExecutorCompletion completions;
  private final Consumer<Throwable> onFatal;
  private final InstanceIndex index;
  private final Recovered recovered;
  private final Map<Integer, File> fileByCycle = new ConcurrentSkipListMap<>();
  private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final ExecutorService reader;
  private final Timer fsyncTimer;
  private final DistributionSummary groupSize;
  private final Counter filesDeleted;

  // Owned by the writer thread after open() hands over.
  private final DurableState state;
  private final TreeMap<Integer, long[]> chosenRange = new TreeMap<>();
  private final Map<Integer, FileChannel> unsynced = new TreeMap<>();
  private ExcerptAppender appender;
  private int lastCycle = Integer.MIN_VALUE;
  private boolean newFileSinceSync;

  private volatile long firstRetained;
  private volatile long durableChosenBelow;
  private volatile boolean halted;
  private volatile boolean closed;
  private ExcerptTailer readTailer;
  private ExcerptTailer scanTailer;
  private String scanEnd;
  private volatile long startCheckpointIndex = -1;

  /** Runs completions where the owner wants them (for Vert.x: {@code r -> context.runOnContext(v -> r.run())}). */
  @FunctionalInterface
  public interface ExecutorCompletion {
    void execute(Runnable r);
  }

  private sealed interface Task {}

  private record Persist(List<LogRecord> records, Runnable done) implements Task {}

  private record Retain(long minApplied, long nowMillis, CompletableFuture<Integer> done) implements Task {}

  private record Stop(CompletableFuture<Void> done) implements Task {}

  private PaxosLog(LogConfig config, ExecutorCompletion completions, Consumer<Throwable> onFatal) {
    this.config = config;
    this.completions = completions;
    this.onFatal = onFatal;
    try {
      Files.createDirectories(config.dir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create log directory " + config.dir() + "; check its permissions", e);
    }
    this.queue = SingleChronicleQueueBuilder.binary(config.dir())
        .rollCycle(config.rollCycle())
        .timeProvider(config.clock())
        .syncMode(config.sync() == LogConfig.SyncMethod.MSYNC ? SyncMode.SYNC : SyncMode.NONE)
        .timeoutMS(1_000)
        .storeFileListener(new StoreFileListener() {
          @Override
          public void onAcquired(int cycle, File file) {
            fileByCycle.put(cycle, file);
          }

          @Override
          public void onReleased(int cycle, File file) {}
        })
        .build();
    this.fsyncTimer = Timer.builder("paxosql.log.fsync").description("time to make one group of records durable")
        .publishPercentiles(0.5, 0.99).register(config.registry());
    this.groupSize = DistributionSummary.builder("paxosql.log.group.records")
        .description("records made durable by one sync").register(config.registry());
    this.filesDeleted = Counter.builder("paxosql.log.files.deleted").register(config.registry());
    this.state = new DurableState();
    try {
      this.index = scan();
    } catch (RuntimeException e) {
      if (scanTailer != null) {
        scanTailer.close();
      }
      queue.close();
      throw e;
    }
    this.recovered = state.snapshot();
    this.firstRetained = state.firstRetained();
    this.durableChosenBelow = state.chosenBelow();
    this.reader = Executors.newSingleThreadExecutor(r -> daemon(r, "paxosql-log-reader-" + config.dir().getFileName()));
    CompletableFuture<Void> started = new CompletableFuture<>();
    this.writer = daemon(() -> runWriter(started), "paxosql-log-writer-" + config.dir().getFileName());
    writer.start();
    try {
      started.join();
      verifyAppendsAreReadable();
    } catch (RuntimeException e) {
      halt();
      throw e;
    } finally {
      scanTailer.close();
    }
  }

  /**
   * The checkpoint written at start must be the very next entry after what the scan read. If Chronicle
   * placed it behind an unreadable region (a torn header it did not repair), everything appended from
   * now on would be invisible to the next recovery: refuse instead.
   */
  private void verifyAppendsAreReadable() {
    try (DocumentContext dc = scanTailer.readingDocument()) {
      if (dc.isPresent() && dc.index() == startCheckpointIndex) {
        return;
      }
    }
    throw new LogCorruptedException("log " + config.dir() + " has an unreadable region after "
        + (scanEnd == null ? "the start of the first file" : scanEnd)
        + " (torn write at the tail that Chronicle did not repair). Refusing to start; if this node reported"
        + " nothing after that entry, move the log directory away and let the node catch up from the others");
  }

  /**
   * Opens (or creates) the log, replays and verifies every entry. Blocking: call it off the event loop.
   *
   * @param completions where persist and read completions run
   * @param onFatal     told once if storage fails after open (the node must stop: it can no longer promise durability)
   * @throws LogCorruptedException if an entry is damaged; the message names the file and offset
   */
  public static PaxosLog open(LogConfig config, ExecutorCompletion completions, Consumer<Throwable> onFatal) {
    return new PaxosLog(config, completions, onFatal);
  }

  /** The state the log held when it was opened. */
  public Recovered recovered() {
    return recovered;
  }

  /** The first chosen instance still held. */
  public long firstRetained() {
    return firstRetained;
  }

  /** One past the last chosen instance that is durable here. */
  public long chosenBelow() {
    return durableChosenBelow;
  }

  /**
   * Queues records for the writer; {@code onDurable} runs on the completion executor once they and every
   * record queued before them are durable. Chosen records must come in instance order without gaps.
   */
  public void persist(List<LogRecord> records, Runnable onDurable) {
    if (closed || halted) {
      throw new IllegalStateException("log " + config.dir() + " is closed");
    }
    tasks.add(new Persist(List.copyOf(records), onDurable));
  }

  /**
   * Deletes whole roll files holding only chosen values below {@code minApplied - retainEntries}, older
   * than the age margin, and never the file being written. Completes with the number of files deleted.
   */
  public CompletableFuture<Integer> retain(long minApplied) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    tasks.add(new Retain(minApplied, config.clock().currentTimeMillis(), done));
    return done;
  }

  /**
   * Reads chosen values from {@code from} on: at most {@code maxCount} of them and, beyond the first, at
   * most {@code maxBytes} of value bytes. Completes on the completion executor.
   */
  public CompletableFuture<ReadResult> read(long from, int maxCount, long maxBytes) {
    CompletableFuture<ReadResult> out = new CompletableFuture<>();
    reader.execute(() -> {
      ReadResult r;
      try {
        r = readNow(from, maxCount, maxBytes);
      } catch (Throwable t) {
        completions.execute(() -> out.completeExceptionally(t));
        if (t instanceof LogCorruptedException) {
          onFatal.accept(t);
        }
        return;
      }
      completions.execute(() -> out.complete(r));
    });
    return out;
  }

  /** The roll files currently held, oldest first. */
  public List<Path> files() {
    List<Path> out = new ArrayList<>();
    try (var s = Files.list(config.dir())) {
      s.filter(p -> p.getFileName().toString().endsWith(".cq4")).sorted().forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Where the chosen value of {@code instance} lives, as "file@offset" (for operators and crash tests). */
  public String locate(long instance) {
    long idx = index.get(instance);
    if (idx < 0) {
      return null;
    }
    return CompletableFuture.supplyAsync(() -> {
      ExcerptTailer t = tailer();
      if (!t.moveToIndex(idx)) {
        return null;
      }
      try (DocumentContext dc = t.readingDocument()) {
        return dc.isPresent() ? t.currentFile() + "@" + (dc.wire().bytes().readPosition() - 4) : null;
      }
    }, reader).join();
  }

  /** Flushes what is queued, stops the threads and closes the queue. */
  @Override
  public void close() {
    if (closed || halted) {
      return;
    }
    closed = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    tasks.add(new Stop(done));
    try {
      done.get(30, TimeUnit.SECONDS);
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (Exception e) {
      LOG.warn("log writer of {} did not stop cleanly: {}", config.dir(), e.toString());
    }
    stopReader();
    queue.close();
  }

  /**
   * Stops at once as if the process died: nothing queued is written or synced, no completion runs.
   * What is already in the mapped files stays, exactly as after kill -9.
   */
  public void halt() {
    if (halted) {
      return;
    }
    halted = true;
    closed = true;
    writer.interrupt();
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopReader();
    queue.close();
  }

  // ---- recovery -------------------------------------------------------------------------------------

  private InstanceIndex scan() {
    InstanceIndex idx = null;
    long count = 0;
    long lastIndexRead = -1;
    String lastWhere = null;
    ExcerptTailer t = queue.createTailer();
    scanTailer = t;
    t.toStart();
    while (true) {
      try (DocumentContext dc = t.readingDocument()) {
        if (!dc.isPresent()) {
          break;
        }
        Bytes<?> b = dc.wire().bytes();
        String where = t.currentFile() + " offset " + (b.readPosition() - 4);
        byte[] raw = new byte[(int) b.readRemaining()];
        b.read(raw);
        Object rec = RecordCodec.decode(raw, where);
        int cycle = queue.rollCycle().toCycle(dc.index());
        fileByCycle.put(cycle, t.currentFile());
        if (state.apply(rec, where) && rec instanceof LogRecord.Chosen c) {
          if (idx == null) {
            idx = new InstanceIndex(c.instance());
          }
          idx.add(c.instance(), dc.index());
          noteChosen(cycle, c.instance());
        }
        count++;
        lastIndexRead = dc.index();
        lastWhere = where;
      }
    }
    scanEnd = lastWhere;
    long chronicleLast = queue.lastIndex();
    if (chronicleLast != lastIndexRead) {
      // Chronicle's own bookkeeping lists entries the scan cannot read: a tail write was torn (pages of the
      // header or body never reached disk) in a way Chronicle will not repair, and appending would hide it.
      throw new LogCorruptedException("log " + config.dir() + " lists entries up to Chronicle index "
          + Long.toHexString(chronicleLast) + " but they cannot be read after the entry at "
          + (lastWhere == null ? "the start of the first file" : lastWhere)
          + " (torn write at the tail). Refusing to start; if this node reported nothing after that entry, move the"
          + " log directory away and let the node catch up from the others");
    }
    state.startAtIfEmpty(config.firstInstance());
    if (idx == null) {
      idx = new InstanceIndex(state.chosenBelow());
    }
    LOG.info("log {}: replayed {} entries; chosen [{}, {}), {} files", config.dir(), count, state.firstRetained(),
        state.chosenBelow(), fileByCycle.size());
    return idx;
  }

  // ---- writer thread --------------------------------------------------------------------------------

  private void runWriter(CompletableFuture<Void> started) {
    try {
      appender = queue.createAppender();
      // A checkpoint at every start: the newest file then always carries the whole unchosen state.
      append(state.checkpoint());
      startCheckpointIndex = appender.lastIndexAppended();
      sync();
      started.complete(null);
    } catch (Throwable t) {
      started.completeExceptionally(t);
      return;
    }
    List<Task> batch = new ArrayList<>();
    List<Runnable> done = new ArrayList<>();
    try {
      while (!halted) {
        batch.clear();
        done.clear();
        batch.add(tasks.take());
        tasks.drainTo(batch);
        int records = 0;
        Stop stop = null;
        List<Retain> retains = new ArrayList<>();
        for (Task t : batch) {
          if (t instanceof Persist p) {
            for (LogRecord r : p.records()) {
              append(r);
            }
            records += p.records().size();
            done.add(p.done());
          } else if (t instanceof Retain r) {
            retains.add(r);
          } else if (t instanceof Stop s) {
            stop = s;
          }
        }
        if (halted) {
          return;
        }
        if (records > 0 || !unsynced.isEmpty()) {
          long t0 = System.nanoTime();
          sync();
          fsyncTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
          groupSize.record(records);
        }
        if (halted) {
          return;
        }
        durableChosenBelow = state.chosenBelow();
        for (Runnable r : done) {
          completions.execute(r);
        }
        for (Retain r : retains) {
          r.done().complete(retainNow(r.minApplied(), r.nowMillis()));
        }
        if (stop != null) {
          closeChannels();
          appender.close();
          stop.done().complete(null);
          return;
        }
      }
    } catch (InterruptedException e) {
      // halt(): stop without writing anything more, like a killed process.
    } catch (Throwable t) {
      if (halted) {
        return;
      }
      LOG.error("log writer of {} failed; the node can no longer persist and must stop", config.dir(), t);
      halted = true;
      onFatal.accept(t);
    }
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
    byte[] bytes = RecordCodec.encode(rec);
    try (DocumentContext dc = appender.writingDocument()) {
      dc.wire().bytes().write(bytes);
    }
    long idx = appender.lastIndexAppended();
    int cycle = queue.rollCycle().toCycle(idx);
    boolean rolled = cycle != lastCycle;
    boolean firstEver = lastCycle == Integer.MIN_VALUE;
    if (rolled) {
      onNewCycle(cycle);
    }
    state.apply(rec, "append");
    if (rec instanceof LogRecord.Chosen c) {
      index.add(c.instance(), idx);
      noteChosen(cycle, c.instance());
    }
    if (rolled && !firstEver && !(rec instanceof RecordCodec.Checkpoint)) {
      append(state.checkpoint());
    }
  }

  private void onNewCycle(int cycle) {
    if (lastCycle != Integer.MIN_VALUE && !unsynced.containsKey(lastCycle)) {
      // Chronicle wrote an end-of-file marker into the previous file.
      unsynced.put(lastCycle, openChannel(fileByCycle.get(lastCycle)));
    }
    lastCycle = cycle;
    File f = appender.currentFile();
    fileByCycle.put(cycle, f);
    unsynced.computeIfAbsent(cycle, c -> openChannel(f));
    newFileSinceSync = true;
  }

  private FileChannel openChannel(File f) {
    try {
      return FileChannel.open(f.toPath(), StandardOpenOption.READ);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open roll file " + f + " to sync it", e);
    }
  }

  private void sync() throws IOException {
    if (config.sync() == LogConfig.SyncMethod.NONE) {
      return;
    }
    if (config.sync() == LogConfig.SyncMethod.MSYNC) {
      appender.sync();
    }
    FileChannel current = null;
    for (Map.Entry<Integer, FileChannel> e : unsynced.entrySet()) {
      if (config.sync() == LogConfig.SyncMethod.FDATASYNC || e.getKey() != lastCycle) {
        e.getValue().force(false);
      }
    }
    if (newFileSinceSync) {
      // A new roll file's directory entry is not durable until the directory itself is synced.
      syncDirectory();
      newFileSinceSync = false;
    }
    for (Map.Entry<Integer, FileChannel> e : unsynced.entrySet()) {
      if (e.getKey() == lastCycle) {
        current = e.getValue();
      } else {
        e.getValue().close();
      }
    }
    unsynced.clear();
    if (current != null) {
      unsynced.put(lastCycle, current);
    }
  }

  private void syncDirectory() throws IOException {
    try (FileChannel dir = FileChannel.open(config.dir(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  private void closeChannels() throws IOException {
    for (FileChannel c : unsynced.values()) {
      c.close();
    }
    unsynced.clear();
  }

  private void noteChosen(int cycle, long instance) {
    long[] r = chosenRange.computeIfAbsent(cycle, c -> new long[] {instance, instance});
    r[1] = instance;
  }

  private int retainNow(long minApplied, long nowMillis) {
    long margin = config.retainEntries();
    if (minApplied < Long.MIN_VALUE + margin) {
      return 0;
    }
    long safe = minApplied - margin;
    long cutoff = nowMillis - config.retainAge().toMillis();
    long cycleMillis = config.rollCycle().lengthInMillis();
    int deleted = 0;
    for (Map.Entry<Integer, File> e : new TreeMap<>(fileByCycle).entrySet()) {
      int cycle = e.getKey();
      if (cycle >= lastCycle) {
        break;
      }
      long[] range = chosenRange.get(cycle);
      long maxChosen = range == null ? Long.MIN_VALUE : range[1];
      if (range != null && maxChosen >= safe) {
        break;
      }
      if ((cycle + 1L) * cycleMillis > cutoff) {
        break;
      }
      if (range != null) {
        index.dropBelow(maxChosen + 1);
        state.firstRetained(maxChosen + 1);
        firstRetained = maxChosen + 1;
      }
      LOG.info("log {}: retention deletes {} (chosen {}): every member applied up to {}, margin {} entries",
          config.dir(), e.getValue().getName(), range == null ? "none" : "[" + range[0] + ", " + range[1] + "]",
          minApplied, margin);
      try {
        Files.deleteIfExists(e.getValue().toPath());
      } catch (IOException ex) {
        LOG.warn("retention could not delete {}: {}", e.getValue(), ex.toString());
        break;
      }
      fileByCycle.remove(cycle);
      chosenRange.remove(cycle);
      deleted++;
    }
    if (deleted > 0) {
      filesDeleted.increment(deleted);
      queue.refreshDirectoryListing();
      try {
        syncDirectory();
      } catch (IOException ex) {
        if (!halted) {
          LOG.warn("could not sync {} after retention: {}", config.dir(), ex.toString());
        }
      }
      LOG.info("log {}: retention deleted {} files; first retained instance now {}", config.dir(), deleted,
          firstRetained);
    }
    return deleted;
  }

  // ---- reader thread --------------------------------------------------------------------------------

  private ExcerptTailer tailer() {
    if (readTailer == null) {
      readTailer = queue.createTailer();
    }
    return readTailer;
  }

  private ReadResult readNow(long from, int maxCount, long maxBytes) {
    long first = firstRetained;
    long end = durableChosenBelow;
    if (from < first) {
      return new ReadResult(List.of(), true, first, end);
    }
    List<LogRecord.Chosen> out = new ArrayList<>();
    if (from >= end || maxCount <= 0) {
      return new ReadResult(out, false, first, end);
    }
    long idx = index.get(from);
    ExcerptTailer t = tailer();
    if (idx < 0 || !t.moveToIndex(idx)) {
      return new ReadResult(List.of(), true, firstRetained, end);
    }
    long next = from;
    long bytes = 0;
    while (next < end && out.size() < maxCount && (out.isEmpty() || bytes < maxBytes)) {
      try (DocumentContext dc = t.readingDocument()) {
        if (!dc.isPresent()) {
          break;
        }
        Bytes<?> b = dc.wire().bytes();
        String where = t.currentFile() + " offset " + (b.readPosition() - 4);
        byte[] raw = new byte[(int) b.readRemaining()];
        b.read(raw);
        if (RecordCodec.decode(raw, where) instanceof LogRecord.Chosen c && c.instance() == next) {
          out.add(c);
          bytes += c.value().length;
          next++;
        }
      }
    }
    return new ReadResult(out, false, first, end);
  }

  private void stopReader() {
    reader.execute(() -> {
      if (readTailer != null) {
        readTailer.close();
        readTailer = null;
      }
    });
    reader.shutdown();
    try {
      reader.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
