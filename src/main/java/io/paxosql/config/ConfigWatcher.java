package io.paxosql.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a node's YAML file (vertx-config file store, scanned every {@code scanPeriodMs}). A valid
 * edit's live keys are handed to the listener and logged as "applied"; keys that need a restart are
 * logged as "needs restart" and ignored; an invalid file is rejected whole, keeping the running config.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Path file;
  private final ConfigRetriever retriever;
  private NodeConfig running;

  /**
   * @param onLiveChange called on the Vert.x context with the new effective config (restart-only
   *     keys keep their running values) whenever a live key changed
   */
  public ConfigWatcher(Vertx vertx, Path file, NodeConfig running, long scanPeriodMs, Consumer<NodeConfig> onLiveChange) {
    this.file = file;
    this.running = running;
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat("yaml")
        .setConfig(new JsonObject().put("path", file.toString()));
    this.retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().addStore(store).setScanPeriod(scanPeriodMs).setIncludeDefaultStores(false));
    retriever.listen(change -> onFileChanged(change.getNewConfiguration(), onLiveChange));
  }

  public synchronized NodeConfig running() {
    return running;
  }

  private void onFileChanged(JsonObject tree, Consumer<NodeConfig> onLiveChange) {
    NodeConfig next;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) JsonToTree.convert(tree);
      next = NodeConfigLoader.fromTree(map, file.toString(), file.toAbsolutePath().getParent());
    } catch (ConfigException e) {
      log.error("config change rejected, the running config stays in force: {}", e.getMessage());
      return;
    }
    NodeConfig applied;
    synchronized (this) {
      ConfigChange change = ConfigChange.between(running, next);
      if (change.isEmpty()) {
        return;
      }
      if (!change.needsRestart().isEmpty()) {
        log.warn("config keys {} in {} need a restart; they are ignored until then", change.needsRestart(), file);
      }
      if (change.live().isEmpty()) {
        return;
      }
      applied = new NodeConfig(running.clusterId(), running.nodeId(), running.dataDir(), running.ports(),
          running.members(), running.mariadb(), running.replication(), next.proxy(), running.paxos(), next.logLevel());
      running = applied;
      log.info("config keys {} applied from {}", change.live(), file);
    }
    onLiveChange.accept(applied);
  }

  @Override
  public void close() {
    retriever.close();
  }
}
