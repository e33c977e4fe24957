package io.paxosql.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short command (ip, kill) and returns its output; a failure names the command and what it printed. */
final class Sh {
  private Sh() {}

  record Result(int exit, String output) {}

  static Result run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", cmd) + ": no answer within 30 s");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, String.join(" ", cmd) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, String.join(" ", cmd) + ": interrupted");
    }
  }

  /** Runs {@code cmd} and fails with its output when it exits non-zero. */
  static String must(String... cmd) {
    Result r = run(List.of(cmd));
    if (r.exit() != 0) {
      throw new IllegalStateException("`" + String.join(" ", cmd) + "` failed (exit " + r.exit() + "): "
          + r.output().strip());
    }
    return r.output();
  }

  /** Runs {@code cmd}; its failure is expected at times (cleanup of something already gone). */
  static Result quiet(String... cmd) {
    return run(List.of(cmd));
  }
}
