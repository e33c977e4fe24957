package io.paxosql.node.seed;

import io.paxosql.node.mariadb.MariaDbBinaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The command lines of mariadb-backup and mbstream, and the small file chores around them. Blocking. */
final class BackupTools {
  /** How many lines of a tool's log an error quotes. */
  static final int QUOTED_LINES = 15;

  private static final Pattern NOT_COPIED =
      Pattern.compile("(mysql-bin|relay-bin)\\..*|ib_logfile\\d+|ib_buffer_pool|.*\\.(pid|sock|err|log)");

  private BackupTools() {}

  /**
   * {@code mariadb-backup --backup --stream=mbstream} of the server whose my.cnf is {@code defaultsFile}
   * ({@code --defaults-file} must come first). {@code throttle} > 0 limits it to that many 10 MB chunks
   * a second (mariadb-backup's own I/O throttle), to spare a donor's disk.
   */
  static List<String> backup(Path defaultsFile, Path workDir, int port, String user, int throttle) {
    List<String> cmd = new ArrayList<>(List.of(MariaDbBinaries.require("mariadb-backup").toString(),
        "--defaults-file=" + defaultsFile, "--backup", "--stream=mbstream", "--target-dir=" + workDir,
        "--host=127.0.0.1", "--port=" + port, "--user=" + user, "--slave-info"));
    if (throttle > 0) {
      cmd.add("--throttle=" + throttle);
    }
    return cmd;
  }

  static List<String> extract(Path dir) {
    return List.of(MariaDbBinaries.require("mbstream").toString(), "-x", "-C", dir.toString());
  }

  static List<String> prepare(Path dir) {
    return List.of(MariaDbBinaries.require("mariadb-backup").toString(), "--prepare", "--target-dir=" + dir,
        "--use-memory=64M");
  }

  /** A process builder whose password reaches the client library through MYSQL_PWD, not the command line. */
  static ProcessBuilder withPassword(List<String> cmd, String password) {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (password != null && !password.isEmpty()) {
      pb.environment().put("MYSQL_PWD", password);
    }
    return pb;
  }

  /** Runs a command to its end (bounded), its output to {@code log}; fails quoting the log's tail. */
  static void run(ProcessBuilder pb, Path log, long timeoutSeconds, String what) throws IOException {
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IOException(what + " did not finish within " + timeoutSeconds + " s; see " + log);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(what + " was interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(what + " failed (exit " + p.exitValue() + "); " + log + " ends:" + tail(log));
    }
  }

  /**
   * The donor's estimate of a backup's size: the files under its datadir that mariadb-backup copies
   * (binlogs, relay logs and the redo log are not copied whole).
   */
  static long backupSizeEstimate(Path dir) {
    AtomicLong total = new AtomicLong();
    try (Stream<Path> files = Files.walk(dir)) {
      files.filter(Files::isRegularFile).filter(f -> !NOT_COPIED.matcher(f.getFileName().toString()).matches()).forEach(f -> {
        try {
          total.addAndGet(Files.size(f));
        } catch (IOException e) {
          // a file removed while walking (a temp table) does not matter to an estimate
        }
      });
    } catch (IOException | RuntimeException e) {
      return total.get();
    }
    return total.get();
  }

  /** The last lines of a log file, each on its own indented line. */
  static String tail(Path log) {
    try {
      List<String> lines = List.of(Files.readString(log, StandardCharsets.UTF_8).split("\n"));
      StringBuilder sb = new StringBuilder();
      for (String l : lines.subList(Math.max(0, lines.size() - QUOTED_LINES), lines.size())) {
        sb.append("\n  ").append(l);
      }
      return sb.toString();
    } catch (IOException e) {
      return " (unreadable: " + e.getMessage() + ")";
    }
  }

  /** Removes a directory tree this node made itself (a staging area), never a datadir in use. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
