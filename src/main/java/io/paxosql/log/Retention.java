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
 * Deletes whole roll files that every member has applied past, or that lie beyond the log's bounds, oldest
 * first. Runs on the writer thread, so it never races an append and the file being written is never a
 * candidate. Deleting a file loses no acceptor state: the checkpoint at the head of every newer file carries
 * the promise, unchosen acceptances and member sets forward.
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
   * Deletes the files before {@code currentCycle}, oldest first, that hold only chosen values below
   * {@code floor} and either (a) below {@code wanted - retainEntries}, last written before
   * {@code nowMillis - retainAge}, or (b) lie beyond the bounds: the files hold more than
   * {@code retainBytes}, or this one was last written longer than {@code retainMaxAge} ago. Stops at the first
   * file that must stay, so the retained range never has a hole.
   *
   * @return the number of files deleted
   */
  int retain(long wanted, long floor, long nowMillis, int currentCycle) {
    long margin = config.retainEntries();
    long soft = wanted < Long.MIN_VALUE + margin ? Long.MIN_VALUE : wanted - margin;
    long cutoff = nowMillis - config.retainAge().toMillis();
    long cycleMillis = queue.rollCycle().lengthInMillis();
    LogConfig.Bounds bounds = config.bounds();
    long realNow = System.currentTimeMillis();
    long held = files.totalBytes();
    int deleted = 0;
    for (Map.Entry<Integer, File> e : files.snapshot().entrySet()) {
      int cycle = e.getKey();
      if (cycle >= currentCycle) {
        break;
      }
      ChosenRange range = files.chosen(cycle);
      if (range != null && range.last() >= floor) {
        break;   // this node itself still needs it
      }
      boolean applied = (range == null || range.last() < soft) && (cycle + 1L) * cycleMillis <= cutoff;
      boolean overBytes = held > bounds.retainBytes();
      boolean overAge = realNow - e.getValue().lastModified() > bounds.retainMaxAge().toMillis();
      if (!applied && !overBytes && !overAge) {
        break;
      }
      String why = applied ? "every member applied past it" : overBytes ? "the log holds " + held
          + " bytes, over log.retainBytes " + bounds.retainBytes() : "it is older than log.retainAge "
          + bounds.retainMaxAge();
      LOG.info("log {}: retention deletes {} (chosen {}, {} bytes): {}; inputs: members applied below {}, margin {}"
              + " entries, own floor {} (own applied point, chain checkpoint, holds)", config.dir(),
          e.getValue().getName(), range == null ? "none" : range, files.bytes(cycle), why, wanted, margin, floor);
      if (range != null) {
        index.dropBelow(range.last() + 1);
        state.firstRetained(range.last() + 1);
        status.firstRetained(range.last() + 1);
      }
      try {
        Files.deleteIfExists(e.getValue().toPath());
      } catch (IOException ex) {
        LOG.warn("retention could not delete {}: {}", e.getValue(), ex.toString());
        break;
      }
      held -= files.bytes(cycle);
      files.forget(cycle);
      deleted++;
    }
    status.heldBytes(files.totalBytes());
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
      LOG.info("log {}: retention deleted {} files; first retained instance now {}, {} bytes held", config.dir(),
          deleted, status.firstRetained(), files.totalBytes());
    } else if (held > bounds.retainBytes()) {
      LOG.debug("log {}: holds {} bytes, over log.retainBytes {}, but this node's floor {} keeps them", config.dir(),
          held, bounds.retainBytes(), floor);
    }
    return deleted;
  }
}
