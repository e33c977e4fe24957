package io.paxosql.node.chain;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The chain checkpoint on disk, beside the Paxos log: written atomically (temp file, fsync, rename, fsync of
 * the directory), so a crash leaves either the old checkpoint or the new one, never a torn one. Blocking:
 * call it off the event loop.
 */
public final class ChainCheckpointFile {
  public static final String NAME = "chain.checkpoint";
  private final Path file;

  public ChainCheckpointFile(Path dir) {
    this.file = dir.resolve(NAME);
  }

  public Path path() {
    return file;
  }

  /** The checkpoint stored, if any; a damaged one is an error naming the file and what to do. */
  public Optional<ChainCheckpoint> read() {
    try {
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      return Optional.of(ChainCheckpoint.decode(Files.readAllBytes(file), file.toString()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the chain checkpoint " + file + ": " + e.getMessage()
          + "; check the data directory's permissions and disk", e);
    }
  }

  public void write(ChainCheckpoint cp) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(NAME + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(cp.encode()));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
