package io.paxosql.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a node's log over at instance {@code X}, for a node seeded from a peer's state at X (a backup and the
 * chain checkpoint matching it): afterwards the log is empty and expects chosen value X next, which the node
 * catches up from its peers. A log already there is moved aside, never deleted. What the old log's acceptor
 * promised, accepted at or above X and every member set are carried into the new one, so the acceptor does not
 * forget a promise it made. Blocking: call it off the event loop, with the node stopped.
 */
public final class LogReseed {
  private static final Logger LOG = LoggerFactory.getLogger(LogReseed.class);

  private LogReseed() {}

  /**
   * @return where the old log was moved, if there was one
   * @throws IllegalArgumentException if the old log already holds values at or above X chosen (it is ahead of
   *     the seed: seed from a newer point or keep the log)
   */
  public static Optional<Path> startAt(LogConfig config, long instance) {
    List<LogRecord> carried = new ArrayList<>();
    Optional<Path> aside = Optional.empty();
    if (holdsFiles(config.dir())) {
      AtomicReference<Throwable> fatal = new AtomicReference<>();
      try (PaxosLog old = PaxosLog.open(config, Runnable::run, fatal::set)) {
        Recovered r = old.recovered();
        if (r.chosenBelow() > instance) {
          throw new IllegalArgumentException("log " + config.dir() + " already holds chosen values up to "
              + (r.chosenBelow() - 1) + ", past the seed point " + instance + "; seed from a newer checkpoint or"
              + " keep this log");
        }
        carried.add(r.promised());
        r.accepted().stream().filter(a -> a.instance() >= instance).forEach(carried::add);
        carried.addAll(r.members());
      }
      Path moved = config.dir().resolveSibling(config.dir().getFileName() + ".aside-" + System.currentTimeMillis());
      try {
        Files.move(config.dir(), moved);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot move the old log " + config.dir() + " aside to " + moved
            + "; check the data directory's permissions", e);
      }
      LOG.warn("log {} moved aside to {} (kept, not deleted): the node is reseeded at instance {}", config.dir(),
          moved, instance);
      aside = Optional.of(moved);
    }
    AtomicReference<Throwable> fatal = new AtomicReference<>();
    try (PaxosLog fresh = PaxosLog.open(config.withFirstInstance(instance), Runnable::run, fatal::set)) {
      if (!carried.isEmpty()) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        fresh.persist(carried, () -> done.complete(null));
        done.get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not start log " + config.dir() + " at instance " + instance + ": " + e, e);
    }
    if (fatal.get() != null) {
      throw new IllegalStateException("log " + config.dir() + " failed while reseeding: " + fatal.get(), fatal.get());
    }
    return aside;
  }

  private static boolean holdsFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".cq4"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }
}
