package io.paxosql.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The mark of a node that may still join a running cluster: its data dir was empty the first time it
 * started, so its MariaDB and log hold nothing of another life. {@code add-member} refuses a node
 * without it (a joiner with leftover data could bring GTIDs the cluster never chose). The mark goes
 * once the node votes, or once it initialises a new cluster.
 */
final class JoinCandidate {
  private final Path file;

  JoinCandidate(Path dataDir) {
    this.file = dataDir.resolve("join-candidate");
  }

  /** Blocking. Creates the data dir; marks it when it did not exist or was empty. */
  void prepare(Path dataDir) throws IOException {
    boolean empty = !Files.exists(dataDir) || isEmpty(dataDir);
    Files.createDirectories(dataDir);
    if (empty) {
      Files.writeString(file, "this data dir was empty when the node first started; it may join a cluster\n");
    }
  }

  boolean present() {
    return Files.exists(file);
  }

  /** Blocking. */
  void clear() throws IOException {
    Files.deleteIfExists(file);
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}
