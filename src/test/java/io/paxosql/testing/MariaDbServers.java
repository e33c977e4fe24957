package io.paxosql.testing;

import io.paxosql.node.mariadb.MariaDbConfig;
import io.paxosql.node.mariadb.MariaDbServer;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts real mariadbd servers for a test, each on its own free port in its own temp dir, and kills
 * them afterwards even when the test failed. Servers started from {@code @BeforeAll} live for the
 * class (register the extension in a static field); servers started inside a test die after it.
 */
public final class MariaDbServers implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  private static final AtomicLong SERVER_IDS = new AtomicLong(100);

  private final List<MariaDbServer> classServers = new ArrayList<>();
  private final List<MariaDbServer> testServers = new ArrayList<>();
  private boolean inTest;

  /** Initialises and starts a server named {@code name} with the defaults plus {@code options}. */
  public synchronized MariaDbServer start(String name, Consumer<MariaDbConfig.Builder> options, String... args) {
    MariaDbServer server = create(name, options);
    server.initDataDir();
    server.start(args);
    return server;
  }

  public MariaDbServer start(String name) {
    return start(name, b -> { });
  }

  /** Creates (without starting) a server; it is still killed and cleaned up after the test. */
  public synchronized MariaDbServer create(String name, Consumer<MariaDbConfig.Builder> options) {
    Path dir;
    try {
      dir = Files.createTempDirectory(Path.of("/tmp"), "pxs-" + name + "-");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a temp dir under /tmp: " + e, e);
    }
    MariaDbConfig.Builder b = MariaDbConfig.builder(dir, FreePorts.next(), SERVER_IDS.incrementAndGet());
    options.accept(b);
    MariaDbServer server = new MariaDbServer(b.build());
    (inTest ? testServers : classServers).add(server);
    return server;
  }

  @Override
  public synchronized void beforeEach(ExtensionContext context) {
    inTest = true;
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    inTest = false;
    killAll(testServers);
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    killAll(classServers);
  }

  private static void killAll(List<MariaDbServer> servers) {
    for (MariaDbServer s : servers) {
      s.kill();
      deleteTree(s.baseDir());
    }
    servers.clear();
  }

  /** Deletes {@code dir} and everything under it, if it exists. */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // A leftover temp dir is harmless; the server inside it is already dead.
    }
  }
}
