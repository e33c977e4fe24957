package io.paxosql.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Bytes of the files under a directory (a node's Paxos log), for a joiner's progress. Blocking. */
final class LogSize {
  private LogSize() {}

  static long bytes(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(LogSize::size).sum();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (NoSuchFileException e) {
      return 0; // deleted by retention meanwhile
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
