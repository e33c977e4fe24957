package io.paxosql.log;

import io.micrometer.core.instrument.Counter;
import io.paxosql.log.RollFiles.ChosenRange;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes whole roll files that every member has applied past, oldest first. Runs on the writer thread, so
 * it never races an append and the file being written is never a candidate. Deleting a file loses no
 * acceptor state: the checkpoint at the head of every newer file carries the promise, unchosen acceptances
 * and member sets forward.
 */
final class Retention {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  private final LogConfig config;
  private final SingleChronicleQueue queue;
  private final RollFiles files;
  private final InstanceIndex index;
  private final DurableState state;
  private final LogStatus status;
  private final RollFileSync sync;
  private final Counter filesDeleted;

  Retention(LogConfig config, SingleChronicleQueue queue, RollFiles files, InstanceIndex index, DurableState state,
            LogStatus status, RollFileSync sync) {
    this.config = config;
    this.queue = queue;
    this.files = files;
    this.index = index;
    this.state = state;
    this.status = status;
    this.sync = sync;
    this.filesDeleted = Counter.builder("paxosql.log.files.deleted").register(config.registry());
  }

  /**
   * Deletes the files before {@code currentCycle} that hold only chosen values below
   * {@code minApplied - retainEntries} and were last written before {@code nowMillis - retainAge}.
   * Stops at the first file that must stay, so the retained range never has a hole.
   *
   * @return the number of files deleted
   */
  int retain(long minApplied, long nowMillis, int currentCycle) {
    long margin = config.retainEntries();
    if (minApplied < Long.MIN_VALUE + margin) {
      return 0;
    }
    long safe = minApplied - margin;
    long cutoff = nowMillis - config.retainAge().toMillis();
    long cycleMillis = config.rollCycle().lengthInMillis();
    int deleted = 0;
    for (Map.Entry<Integer, File> e : files.snapshot().entrySet()) {
      int cycle = e.getKey();
      if (cycle >= currentCycle) {
        break;
      }
      ChosenRange range = files.chosen(cycle);
      if (range != null && range.last() >= safe) {
        break;
      }
      // The cycle's end is the latest time anything was written into its file.
      if ((cycle + 1L) * cycleMillis > cutoff) {
        break;
      }
      if (range != null) {
        index.dropBelow(range.last() + 1);
        state.firstRetained(range.last() + 1);
        status.firstRetained(range.last() + 1);
      }
      LOG.info("log {}: retention deletes {} (chosen {}): every member applied up to {}, margin {} entries",
          config.dir(), e.getValue().getName(), range == null ? "none" : range, minApplied, margin);
      try {
        Files.deleteIfExists(e.getValue().toPath());
      } catch (IOException ex) {
        LOG.warn("retention could not delete {}: {}", e.getValue(), ex.toString());
        break;
      }
      files.forget(cycle);
      deleted++;
    }
    if (deleted > 0) {
      filesDeleted.increment(deleted);
      queue.refreshDirectoryListing();
      try {
        sync.syncDirectory();
      } catch (IOException ex) {
        if (!status.halted()) {
          LOG.warn("could not sync {} after retention: {}", config.dir(), ex.toString());
        }
      }
      LOG.info("log {}: retention deleted {} files; first retained instance now {}", config.dir(), deleted,
          status.firstRetained());
    }
    return deleted;
  }
}
