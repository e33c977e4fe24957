package io.paxosql.log;

import io.paxosql.log.LogConfig.SyncMethod;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's Paxos log on a Chronicle Queue: the facade the rest of the node uses.
 *
 * <p>Opening runs a {@link RecoveryScan} over every entry. After that, all appends, syncs and retention
 * passes run on one {@link LogWriter} thread with group commit, and reads on a {@link LogReader} thread
 * with its own tailer, so catch-up never delays a commit. Completions run on the owner's executor.
 *
 * <p>Every entry carries a CRC32C. An entry that fails its checksum stops the open with
 * {@link LogCorruptedException} naming the file and offset. A tail entry whose write never completed
 * (Chronicle leaves its header marked incomplete) is invisible to the scan and is overwritten by the next
 * append. A last entry framed by Chronicle whose body never wholly reached disk (a power cut, a full disk) is
 * dropped at open: see {@link TornTail}. Damage anywhere else is refused.
 */
public final class PaxosLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PaxosLog.class);

  private final LogConfig config;
  private final SingleChronicleQueue queue;
  private final Recovered recovered;
  private final LogStatus status;
  private final LogWriter writer;
  private final LogReader reader;
  private final RollClock rollClock;
  private volatile boolean closed;

  /** Runs completions where the owner wants them (for Vert.x: {@code r -> context.runOnContext(v -> r.run())}). */
  @FunctionalInterface
  public interface ExecutorCompletion {
    void execute(Runnable r);
  }

  private PaxosLog(LogConfig config, ExecutorCompletion completions, Consumer<Throwable> onFatal) {
    this.config = config;
    try {
      Files.createDirectories(config.dir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create log directory " + config.dir() + "; check its permissions", e);
    }
    Scanned scanned = recover(config);
    this.queue = scanned.queue();
    this.rollClock = scanned.clock();
    RollFiles files = scanned.files();
    DurableState state = scanned.state();
    RecoveryScan scan = scanned.scan();
    // A log rolled early by size has files ahead of the clock: never append behind the newest one.
    files.newestCycle().ifPresent(rollClock::atLeastCycle);
    this.recovered = state.snapshot();
    this.status = new LogStatus(state.firstRetained(), state.chosenBelow());
    this.reader = new LogReader(config, queue, scan.index(), status, completions, onFatal);
    this.writer = new LogWriter(config, queue, state, scan.index(), files, status, rollClock, completions, onFatal);
    try {
      scan.verifyNextIs(writer.start());
    } catch (RuntimeException e) {
      halt();
      throw e;
    } finally {
      scan.close();
    }
  }

  /** A queue opened and replayed, with what the replay rebuilt. */
  private record Scanned(SingleChronicleQueue queue, RollClock clock, RollFiles files, DurableState state,
                         RecoveryScan scan) {
    void close() {
      scan.close();
      queue.close();
    }
  }

  /**
   * Opens the queue and replays it. A torn last entry that never reached disk (see {@link TornTail}) is
   * overwritten with a filler entry, and the queue is opened and replayed again.
   */
  private static Scanned recover(LogConfig config) {
    Scanned first = openAndScan(config);
    TornTail torn = first.scan().tornTail();
    if (torn == null) {
      return first;
    }
    first.close();
    LOG.warn("log {}: dropping the torn last entry at {} ({} bytes): it fails its checksum, its stored checksum"
        + " and the end of its body are zeros from a sector boundary, as a write that never reached disk leaves"
        + " them (a power cut, a full disk), and"
        + " nothing follows it, so it was never synced and nothing about it was sent or acknowledged",
        config.dir(), torn.where(), torn.bytes());
    torn.seal();
    Scanned again = openAndScan(config);
    TornTail still = again.scan().tornTail();
    if (still != null) {
      again.close();
      throw new LogCorruptedException("log " + config.dir() + " still has a torn last entry at " + still.where()
          + " after the one at " + torn.where() + " was dropped. Refusing to start. " + LogCorruptedException.ADVICE);
    }
    return again;
  }

  private static Scanned openAndScan(LogConfig config) {
    RollFiles files = new RollFiles();
    RollClock clock = new RollClock(config.clock(), config.rollCycle());
    SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(config.dir())
        .rollCycle(config.rollCycle())
        .timeProvider(clock)
        .syncMode(config.sync() == SyncMethod.MSYNC ? SyncMode.SYNC : SyncMode.NONE)
        .timeoutMS(1_000)
        .storeFileListener(new StoreFileListener() {
          @Override
          public void onAcquired(int cycle, File file) {
            files.noteFile(cycle, file);
          }

          @Override
          public void onReleased(int cycle, File file) {}
        })
        .build();
    clock.useCycle(queue.rollCycle());
    DurableState state = new DurableState();
    try {
      return new Scanned(queue, clock, files, state, RecoveryScan.run(config, queue, state, files));
    } catch (RuntimeException e) {
      queue.close();
      throw e;
    }
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
    return status.firstRetained();
  }

  /** One past the last chosen instance that is durable here. */
  public long chosenBelow() {
    return status.chosenBelow();
  }

  /**
   * Queues records for the writer; {@code onDurable} runs on the completion executor once they and every
   * record queued before them are durable. Chosen records must come in instance order without gaps.
   */
  public void persist(List<LogRecord> records, Runnable onDurable) {
    if (closed || status.halted()) {
      throw new IllegalStateException("log " + config.dir() + " is closed");
    }
    writer.persist(records, onDurable);
  }

  /**
   * Deletes whole roll files holding only chosen values below {@code minApplied - retainEntries}, older
   * than the age margin, and never the file being written. Completes with the number of files deleted.
   */
  public CompletableFuture<Integer> retain(long minApplied) {
    return retain(minApplied, Long.MAX_VALUE);
  }

  /**
   * Deletes whole roll files, oldest first, never the one being written:
   * <ul>
   *   <li>those holding only chosen values below {@code wanted - retainEntries} and older than the age margin
   *       ({@code wanted}: what every member applied);</li>
   *   <li>and, while the files hold more than {@link LogConfig.Bounds#retainBytes} or the oldest was last
   *       written before {@link LogConfig.Bounds#retainMaxAge}, those below {@code floor} even if a member
   *       still lacks them (it will need a rebuild).</li>
   * </ul>
   * Nothing at or above {@code floor} is ever deleted: it is what this node itself still needs (its own
   * applied point, its chain checkpoint, holds). Completes with the number of files deleted.
   */
  public CompletableFuture<Integer> retain(long wanted, long floor) {
    return writer.retain(wanted, floor, rollClock.currentTimeMillis());
  }

  /** Bytes of entries in the roll files held (what retention bounds; the files themselves are sparse). */
  public long heldBytes() {
    return status.heldBytes();
  }

  /**
   * Reads chosen values from {@code from} on: at most {@code maxCount} of them and, beyond the first, at
   * most {@code maxBytes} of value bytes. Completes on the completion executor.
   */
  public CompletableFuture<ReadResult> read(long from, int maxCount, long maxBytes) {
    return reader.read(from, maxCount, maxBytes);
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
    return reader.locate(instance);
  }

  /** Flushes what is queued, stops the threads and closes the queue. */
  @Override
  public void close() {
    if (closed || status.halted()) {
      return;
    }
    closed = true;
    writer.stop();
    reader.stop();
    queue.close();
  }

  /**
   * Stops at once as if the process died: nothing queued is written or synced, no completion runs.
   * What is already in the mapped files stays, exactly as after kill -9.
   */
  public void halt() {
    if (status.halted()) {
      return;
    }
    status.halt();
    closed = true;
    writer.halt();
    reader.stop();
    queue.close();
  }
}
