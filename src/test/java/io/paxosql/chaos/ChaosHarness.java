package io.paxosql.chaos;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What every chaos test does around its run: removes a crashed earlier run's leftovers, makes the network
 * namespaces (and, if asked, the log disks), runs a main class of this package inside the clients'
 * namespace with the run directory as its first argument, and removes every namespace, process and mount
 * it made even when the run fails, crashes or times out. The run's output, histories and node logs are
 * kept under target/chaos/NAME/.
 */
final class ChaosHarness {
  /** How the run ended: its exit status and its report (or the tail of its output when it wrote none). */
  record Outcome(int exit, String report) {}

  private ChaosHarness() {}

  /** Why no chaos test can run on this machine, or null. */
  static String unavailableReason() {
    return Netns.unavailableReason();
  }

  /**
   * Runs {@code main} with arguments {@code dir, args...} in the clients' namespace, bounded by
   * {@code limitMinutes}; a run that overstays fails the test. {@code logDisks}: mount each node's log on
   * its own small filesystem first (the disk-full fault needs it).
   */
  static Outcome run(String name, boolean logDisks, Class<?> main, List<String> args, long limitMinutes)
      throws IOException, InterruptedException {
    for (String line : Netns.removeAll()) {
      System.out.println("chaos: leftover of an earlier run: " + line);
    }
    for (String line : LogDisks.unmountAll(null)) {
      System.out.println("chaos: leftover of an earlier run: " + line);
    }
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "pxs-chaos-");
    Process p = null;
    boolean passed = false;
    try {
      new Netns(ChaosMain.NODES).create();
      if (logDisks) {
        // Before the run starts: its mount namespace and its nodes' copy the mounts.
        new LogDisks(dir, ChaosMain.NODES).create();
      }
      List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", Netns.CLIENT_NS,
          ProcessHandle.current().info().command().orElse("java")));
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access") || arg.startsWith("-Dchronicle")) {
          cmd.add(arg);
        }
      }
      cmd.add("-D" + Netns.PREFIX_PROPERTY + "=" + Netns.PREFIX.substring(0, Netns.PREFIX.length() - 1));
      String logLevel = System.getProperty(ChaosNodes.LOG_LEVEL_PROPERTY);
      if (logLevel != null && !logLevel.isBlank()) {
        cmd.add("-D" + ChaosNodes.LOG_LEVEL_PROPERTY + "=" + logLevel);
      }
      cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"), main.getName(), dir.toString()));
      cmd.addAll(args);
      // The run's own output (its report included) goes to a file: surefire owns this JVM's stdout.
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("chaos.log").toFile()).start();
      if (!p.waitFor(limitMinutes, TimeUnit.MINUTES)) {
        throw new AssertionError("the chaos run " + name + " did not finish within " + limitMinutes
            + " minutes; logs under target/chaos/" + name);
      }
      Path report = dir.resolve("report.txt");
      String text = Files.exists(report) ? Files.readString(report)
          : "chaos: no report; the run's output ends:\n" + tail(dir.resolve("chaos.log"));
      System.out.println(text);
      passed = p.exitValue() == 0;
      return new Outcome(p.exitValue(), text);
    } finally {
      if (p != null) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      for (ProcessHandle h : ChaosNodes.everythingUnder(dir)) {
        ChaosNodes.signal(h, "CONT");
        ChaosNodes.signal(h, "KILL");
      }
      Netns.removeAll();
      for (String line : LogDisks.unmountAll(dir)) {
        System.out.println("chaos: " + line);
      }
      keep(dir, name);
      if (passed) {
        Sh.quiet("rm", "-rf", dir.toString());
      } else {
        System.out.println("chaos: run directory kept for diagnosis: " + dir);
      }
    }
  }

  /** Copies the report, the run's output, the histories and the node logs to target/chaos/NAME/. */
  private static void keep(Path dir, String name) {
    Path to = Path.of("target", "chaos", name);
    Sh.quiet("rm", "-rf", to.toString());
    Sh.quiet("mkdir", "-p", to.toString());
    try (var files = Files.list(dir)) {
      files.filter(f -> f.toString().endsWith(".txt") || f.toString().endsWith(".log"))
          .forEach(f -> Sh.quiet("cp", f.toString(), to.toString()));
    } catch (IOException e) {
      System.out.println("chaos: could not keep the logs of " + dir + ": " + e.getMessage());
    }
    Sh.quiet("cp", dir.resolve("report.txt").toString(), Path.of("target", "chaos", "last-report.txt").toString());
    System.out.println("chaos: report, histories and node logs kept in " + to.toAbsolutePath());
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
