package io.paxosql.node.mariadb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Finds Debian's MariaDB programs; a missing one is reported with the command that installs it. */
public final class MariaDbBinaries {
  private static final List<String> DIRS = List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin");

  private MariaDbBinaries() {}

  public static Path require(String program) {
    return find(program).orElseThrow(() -> new MariaDbStartException(program + " is not installed (looked in PATH and "
        + DIRS + "): run `make deps` (as root: apt-get install mariadb-server mariadb-client mariadb-backup)"));
  }

  /** The program's path, from PATH or the usual system directories. */
  public static Optional<Path> find(String program) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    for (String dir : DIRS) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
