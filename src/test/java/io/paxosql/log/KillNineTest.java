package io.paxosql.log;

import static io.paxosql.log.LogFixture.readAll;
import static io.paxosql.log.LogFixture.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.Seeds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills a writing JVM with SIGKILL mid-stream, three times, and checks what it reported durable is all there. */
class KillNineTest {
  /** When each kill lands (the kill itself still races the writer, as it should). */
  private static final Random KILL_DELAYS = new Random(Seeds.seed("paxosql.seed", 1));
  @TempDir Path dir;

  @Test
  void nothingReportedDurableIsLostAcrossKills() throws Exception {
    long reported = 0;
    for (int round = 0; round < 3; round++) {
      reported = Math.max(reported, runAndKill(reported + 2_000 + KILL_DELAYS.nextInt(3_000)));
      try (PaxosLog log = PaxosLog.open(LogConfig.defaults(dir), Runnable::run, t -> { })) {
        long end = log.chosenBelow();
        assertTrue(end >= reported, "reported durable up to " + reported + " but the log ends at " + end);
        List<LogRecord.Chosen> all = readAll(log, 0);
        assertEquals(end, all.size());
        for (LogRecord.Chosen c : all) {
          assertArrayEquals(value(c.instance(), 100 + (int) (c.instance() % 900)), c.value());
        }
      }
    }
  }

  /** Starts the writer, waits until it reported {@code target} durable, kills it; returns the last report. */
  private long runAndKill(long target) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-") || a.startsWith("--enable-native") || a.startsWith("-Dchronicle")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), CrashWriterMain.class.getName(),
        dir.toString()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    long last = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("durable ")) {
          last = Long.parseLong(line.substring(8));
          if (last >= target) {
            break;
          }
        }
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    assertTrue(last >= target, "writer stopped early at " + last);
    return last;
  }
}
