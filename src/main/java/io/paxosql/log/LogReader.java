package io.paxosql.log;

import io.paxosql.log.PaxosLog.ExecutorCompletion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

/**
 * Reads chosen values on a thread of its own with its own tailer, so catch-up reads never delay the writer's
 * commits. Reads only below the durable end the writer published: a value is never served before it is
 * durable here.
 */
final class LogReader {
  private final SingleChronicleQueue queue;
  private final InstanceIndex index;
  private final LogStatus status;
  private final ExecutorCompletion completions;
  private final Consumer<Throwable> onFatal;
  private final ExecutorService thread;

  // Owned by the reader thread; opened on first use.
  private EntryCursor cursor;

  LogReader(LogConfig config, SingleChronicleQueue queue, InstanceIndex index, LogStatus status,
            ExecutorCompletion completions, Consumer<Throwable> onFatal) {
    this.queue = queue;
    this.index = index;
    this.status = status;
    this.completions = completions;
    this.onFatal = onFatal;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "paxosql-log-reader-" + config.dir().getFileName());
      t.setDaemon(true);
      return t;
    });
  }

  /** See {@link PaxosLog#read}. A damaged entry also goes to {@code onFatal}: the node cannot serve from it. */
  CompletableFuture<ReadResult> read(long from, int maxCount, long maxBytes) {
    CompletableFuture<ReadResult> out = new CompletableFuture<>();
    thread.execute(() -> {
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

  /** See {@link PaxosLog#locate}. Blocks the caller until the reader thread has looked. */
  String locate(long instance) {
    long idx = index.get(instance);
    if (idx < 0) {
      return null;
    }
    return CompletableFuture.supplyAsync(() -> cursor().locate(idx), thread).join();
  }

  /** Closes the tailer on its own thread and ends the thread, waiting up to 10 s. */
  void stop() {
    thread.execute(() -> {
      if (cursor != null) {
        cursor.close();
        cursor = null;
      }
    });
    thread.shutdown();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private EntryCursor cursor() {
    if (cursor == null) {
      cursor = new EntryCursor(queue.createTailer());
    }
    return cursor;
  }

  private ReadResult readNow(long from, int maxCount, long maxBytes) {
    long first = status.firstRetained();
    long end = status.chosenBelow();
    if (from < first) {
      return new ReadResult(List.of(), true, first, end);
    }
    List<LogRecord.Chosen> out = new ArrayList<>();
    if (from >= end || maxCount <= 0) {
      return new ReadResult(out, false, first, end);
    }
    long idx = index.get(from);
    EntryCursor c = cursor();
    if (idx < 0 || !c.moveTo(idx)) {
      // Retention deleted it between the check above and now.
      return new ReadResult(List.of(), true, status.firstRetained(), end);
    }
    long next = from;
    long bytes = 0;
    while (next < end && out.size() < maxCount && (out.isEmpty() || bytes < maxBytes)) {
      EntryCursor.Entry e = c.next();
      if (e == null) {
        break;
      }
      // Acceptances, promises and checkpoints sit between chosen values; only the next chosen one counts.
      if (e.record() instanceof LogRecord.Chosen v && v.instance() == next) {
        out.add(v);
        bytes += v.value().length;
        next++;
      }
    }
    return new ReadResult(out, false, first, end);
  }
}
