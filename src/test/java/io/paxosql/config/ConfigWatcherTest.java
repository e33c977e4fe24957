package io.paxosql.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload of a real file, read again and validated as at start. */
class ConfigWatcherTest {
  @TempDir Path dir;
  private Vertx vertx;
  private ConfigWatcher watcher;
  private Path file;
  private final LinkedBlockingQueue<NodeConfig> applied = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    file = dir.resolve("node1.yaml");
    Files.copy(Path.of("conf/node1.yaml"), file);
    NodeConfig running = NodeConfigLoader.load(file);
    watcher = new ConfigWatcher(vertx, file, running, 100, applied::add);
  }

  @AfterEach
  void stop() throws Exception {
    watcher.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void edit(String from, String to) throws Exception {
    String text = Files.readString(file);
    if (!text.contains(from)) {
      throw new AssertionError("fixture lacks '" + from + "'");
    }
    Files.writeString(file, text.replace(from, to));
  }

  @Test
  void liveKeysApplyAndRestartKeysAndInvalidFilesDoNot() throws Exception {
    edit("maxConnections: 1000", "maxConnections: 7");
    edit("roConsistency: local", "roConsistency: linearizable");
    NodeConfig first = applied.poll(10, TimeUnit.SECONDS);
    // The two edits may be seen in one scan or two; wait for the second if needed.
    NodeConfig latest = first.proxy().roConsistency() == NodeConfig.ReadConsistency.LINEARIZABLE
        ? first : applied.poll(10, TimeUnit.SECONDS);
    assertEquals(7, latest.proxy().maxConnections());
    assertEquals(NodeConfig.ReadConsistency.LINEARIZABLE, latest.proxy().roConsistency());

    edit("rw: 6411", "rw: 7411");
    assertNull(applied.poll(1, TimeUnit.SECONDS), "a port change needs a restart: nothing applied");
    assertEquals(6411, watcher.running().ports().rw());

    edit("maxConnections: 7", "maxConnections: lots");
    assertNull(applied.poll(1, TimeUnit.SECONDS), "an invalid file is rejected whole");
    assertEquals(7, watcher.running().proxy().maxConnections());

    edit("maxConnections: lots", "maxConnections: 9");
    assertEquals(9, applied.poll(10, TimeUnit.SECONDS).proxy().maxConnections());
    assertEquals(6411, watcher.running().ports().rw(), "the restart-only change is still not applied");
  }

  @Test
  void aReloadIsValidatedAsAtStart() throws Exception {
    edit("mode: managed", "mode: attach");
    edit("maxConnections: 1000", "maxConnections: 5");
    assertNull(applied.poll(1, TimeUnit.SECONDS), "a file the start would refuse is refused at reload too");
    assertEquals(1000, watcher.running().proxy().maxConnections());
    edit("mode: attach", "mode: managed");
    NodeConfig next = applied.poll(10, TimeUnit.SECONDS);
    assertEquals(NodeConfigLoader.load(file).proxy(), next.proxy(), "the reload reads the file as the start does");
  }

  @Test
  void changeClassification() {
    NodeConfig a = NodeConfigLoader.load(Path.of("conf/node1.yaml"));
    NodeConfig b = NodeConfigLoader.load(Path.of("conf/node2.yaml"));
    ConfigChange c = ConfigChange.between(a, b);
    assertEquals(List.of(), c.live());
    assertEquals(List.of("nodeId", "dataDir", "ports", "mariadb", "tls"), c.needsRestart());
  }
}
