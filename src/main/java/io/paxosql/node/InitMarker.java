package io.paxosql.node;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * The file that says this node belongs to an initialised cluster, with the member list it was
 * initialised with. A node campaigns only once it exists, so a half-configured cluster never elects;
 * it survives restarts, so a full-cluster restart needs no operator.
 */
final class InitMarker {
  static final String FILE = "cluster-initialised";
  private final Path file;

  InitMarker(Path dataDir) {
    this.file = dataDir.resolve(FILE);
  }

  Optional<List<String>> read() {
    try {
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      return Optional.of(List.of(Files.readString(file, StandardCharsets.UTF_8).trim().split(",")));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the marker atomically (temp file, fsync, rename). */
  void write(List<String> members) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, String.join(",", members) + "\n", StandardCharsets.UTF_8);
    try (var ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
