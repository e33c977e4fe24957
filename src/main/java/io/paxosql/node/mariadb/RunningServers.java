package io.paxosql.node.mariadb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every mariadbd this JVM started and has not stopped, and the one JVM shutdown hook that ends them.
 * The hook first runs the clean stops its owners registered (a node stops in order: proxy, commits,
 * lease, MariaDB), each within its bound, and only then kills the servers those stops did not get to.
 * JVM shutdown hooks run concurrently, so a second hook that kills would race the clean stop and
 * crash every MariaDB in the middle of its shutdown (issue 12): there is exactly one hook here.
 * A server no clean stop covered (the JVM ends while its node is still starting, or a test JVM ends)
 * is shut down normally, within its stop timeout; only a clean stop that overran its bound (a master
 * whose commits could not end: a shutdown would commit them) leaves its servers to be killed.
 */
public final class RunningServers {
  private static final Logger log = LoggerFactory.getLogger(RunningServers.class);
  private static final Set<MariaDbServer> RUNNING = ConcurrentHashMap.newKeySet();
  private static final List<CleanStop> CLEAN_STOPS = new CopyOnWriteArrayList<>();

  private record CleanStop(String what, Duration bound, Runnable stop) {}

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(RunningServers::onJvmExit, "mariadbd-stop"));
  }

  private RunningServers() {}

  /**
   * Runs {@code stop} when the JVM exits (SIGTERM, SIGINT, System.exit), before any server is killed.
   * If it has not returned after {@code bound}, the servers still running are killed anyway.
   */
  public static void stopCleanlyAtExit(String what, Duration bound, Runnable stop) {
    CLEAN_STOPS.add(new CleanStop(what, bound, stop));
  }

  static void register(MariaDbServer server) {
    RUNNING.add(server);
  }

  static void unregister(MariaDbServer server) {
    RUNNING.remove(server);
  }

  private static void onJvmExit() {
    boolean overran = false;
    for (CleanStop c : CLEAN_STOPS) {
      Thread t = new Thread(() -> {
        try {
          c.stop().run();
        } catch (RuntimeException e) {
          log.warn("{} failed: {}", c.what(), e.toString());
        }
      }, "clean-stop");
      t.start();
      try {
        t.join(c.bound().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        overran = true;
        log.warn("{} did not finish within {} s; killing the MariaDB servers it left running",
            c.what(), c.bound().toSeconds());
      }
    }
    if (overran) {
      killAll();
    } else {
      stopAll();
    }
  }

  /** Normal shutdown of every server still running, side by side (each waits for its own exit). */
  private static void stopAll() {
    List<Thread> stops = new ArrayList<>();
    for (MariaDbServer server : RUNNING) {
      Thread t = new Thread(() -> {
        log.info("shutting down mariadbd on port {}: the JVM is exiting", server.port());
        server.stop();
      }, "mariadbd-stop-" + server.port());
      t.start();
      stops.add(t);
    }
    for (Thread t : stops) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        killAll();
        return;
      }
    }
  }

  private static void killAll() {
    for (MariaDbServer server : RUNNING) {
      server.pid().flatMap(ProcessHandle::of).ifPresent(h -> {
        log.warn("killing mariadbd pid {} on port {}: it was not stopped cleanly", h.pid(), server.port());
        h.destroyForcibly();
      });
    }
  }
}
