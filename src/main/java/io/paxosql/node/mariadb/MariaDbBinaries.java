package io.paxosql.node.mariadb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Finds Debian's MariaDB programs; a missing one is reported with the command that installs it. */
final class MariaDbBinaries {
  private static final List<String> DIRS = List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin");

  private MariaDbBinaries() {}

  static Path require(String program) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    for (String dir : DIRS) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new MariaDbStartException(program + " is not installed (looked in PATH and " + DIRS
        + "): run `make deps` (as root: apt-get install mariadb-server mariadb-client mariadb-backup)");
  }
}
