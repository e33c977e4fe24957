package io.paxosql.config;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a node's YAML file, read again every {@code scanPeriodMs}. A changed file goes through the same
 * parser and validation as at start ({@link NodeConfigLoader#parse}), so a file means the same at start and
 * at reload. A valid edit's live keys are handed to the listener and logged as "applied"; keys that need a
 * restart are logged as "needs restart" and ignored; an invalid file is rejected whole, keeping the running
 * config.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Vertx vertx;
  private final Path file;
  private final Consumer<NodeConfig> onLiveChange;
  private final long timer;
  private NodeConfig running;
  /** The text last read; a scan that reads the same text does nothing. */
  private String lastText;
  private boolean reading;
  private volatile boolean closed;
  private volatile Consumer<String> notices = said -> { };

  /**
   * @param onLiveChange called on the Vert.x context with the new effective config (restart-only
   *     keys keep their running values) whenever a live key changed
   */
  public ConfigWatcher(Vertx vertx, Path file, NodeConfig running, long scanPeriodMs, Consumer<NodeConfig> onLiveChange) {
    this.vertx = vertx;
    this.file = file;
    this.running = running;
    this.onLiveChange = onLiveChange;
    this.timer = vertx.setPeriodic(scanPeriodMs, t -> scan());
  }

  /**
   * Also tells {@code listener}, on the Vert.x context, each sentence this watcher logs about a reload
   * (applied, needs a restart, rejected, unreadable), for the node's event journal.
   */
  public ConfigWatcher onNotice(Consumer<String> listener) {
    this.notices = listener;
    return this;
  }

  public synchronized NodeConfig running() {
    return running;
  }

  /** One read at a time: a slow disk never piles reads up. */
  private void scan() {
    if (reading || closed) {
      return;
    }
    reading = true;
    vertx.fileSystem().readFile(file.toString()).onComplete(ar -> {
      reading = false;
      if (closed) {
        return;
      }
      if (ar.failed()) {
        if (lastText != null) {
          refused("cannot read " + file + " (" + ar.cause().getMessage() + "); the running config stays in force");
          lastText = null;
        }
        return;
      }
      String text = ar.result().toString(StandardCharsets.UTF_8);
      if (!text.equals(lastText)) {
        lastText = text;
        onFileChanged(text);
      }
    });
  }

  private void onFileChanged(String text) {
    NodeConfig next;
    try {
      next = NodeConfigLoader.parse(text, file.toString(), file.toAbsolutePath().getParent());
    } catch (ConfigException e) {
      refused("config change rejected, the running config stays in force: " + e.getMessage());
      return;
    }
    NodeConfig applied;
    String restartNotice = null;
    String appliedNotice;
    synchronized (this) {
      ConfigChange change = ConfigChange.between(running, next);
      if (change.isEmpty()) {
        return;
      }
      if (!change.needsRestart().isEmpty()) {
        restartNotice = "config keys " + change.needsRestart() + " in " + file + " need a restart; they are ignored until then";
        log.warn("{}", restartNotice);
      }
      if (change.live().isEmpty()) {
        if (restartNotice != null) {
          notices.accept(restartNotice);
        }
        return;
      }
      applied = new NodeConfig(running.clusterId(), running.nodeId(), running.dataDir(), running.ports(),
          running.members(), running.mariadb(), running.replication(), next.proxy(), running.paxos(), next.logLevel(),
          running.log(), running.admin(), running.limits(), running.tls(), running.rebuild());
      running = applied;
      appliedNotice = "config keys " + change.live() + " applied from " + file;
      log.info("{}", appliedNotice);
    }
    if (restartNotice != null) {
      notices.accept(restartNotice);
    }
    notices.accept(appliedNotice);
    onLiveChange.accept(applied);
  }

  /** A file the node could not use: logged as an error and told to the journal. */
  private void refused(String said) {
    log.error("{}", said);
    notices.accept(said);
  }

  @Override
  public void close() {
    closed = true;
    vertx.cancelTimer(timer);
  }
}
