package io.paxosql.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Applies a fault plan to the running cluster, heals each fault after its hold, and records what it did. */
final class FaultRunner {
  /** A fault as applied: on which node, whether that node was master then, when (ms since the origin). */
  record Applied(FaultPlan.Step step, int node, boolean wasMaster, long startMs, long endMs, String note) {
    @Override
    public String toString() {
      return String.format("%7.1f s  %-18s n%d%s  held %5.1f s%s", startMs / 1000.0, step.kind(), node,
          wasMaster ? " (master)" : "         ", (endMs - startMs) / 1000.0, note.isEmpty() ? "" : "  " + note);
    }
  }

  /** How long a disk-full fault waits for its node to be serving before, and to exit after, the disk fills. */
  static final long DISK_FULL_BOUND_MS = 60_000;
  /** The node's exit status after a fail-stop (cli.NodeCommand.FAIL_STOP_EXIT, package-private there). */
  static final int FAIL_STOP_EXIT = 3;
  /** Starts the note of a fault that began while another node did not serve (no spare majority). */
  static final String NOT_SERVING = "began while not serving: ";
  private final ChaosNodes nodes;
  private final Netns net;
  private final LogDisks disks;
  private final long originNs;
  private final PrintStream out;
  private final List<Applied> applied = new ArrayList<>();
  private final List<Anomaly> anomalies = new ArrayList<>();

  FaultRunner(ChaosNodes nodes, Netns net, LogDisks disks, long originNs, PrintStream out) {
    this.nodes = nodes;
    this.net = net;
    this.disks = disks;
    this.originNs = originNs;
    this.out = out;
  }

  synchronized List<Applied> applied() {
    return List.copyOf(applied);
  }

  /** What the faults themselves showed wrong (a disk-full node that did not fail-stop). */
  synchronized List<Anomaly> anomalies() {
    return List.copyOf(anomalies);
  }

  /** Runs the plan until it ends or {@code deadlineNs} passes; always leaves the cluster healed. */
  void run(FaultPlan plan, long deadlineNs) throws InterruptedException {
    for (FaultPlan.Step step : plan.steps()) {
      TimeUnit.MILLISECONDS.sleep(step.gapMs());
      if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(step.holdMs()) > deadlineNs) {
        return;
      }
      int master = nodes.master();
      int target = step.node() == 0 ? (master == 0 ? 1 : master) : step.node();
      if (step.kind() == FaultPlan.Kind.DISK_FULL) {
        diskFull(step, target, master == target);
        continue;
      }
      String idle = notServing(target);
      String note = apply(step, target);
      long start = nowMs(); // once the fault is in effect: a write invoked after this must see it
      if (!idle.isEmpty()) {
        // A member still restarting from an earlier fault: cutting off or killing one more of three leaves
        // no majority until it serves, so the failover time of this fault is that member's restart time.
        note = NOT_SERVING + idle + note;
      }
      out.printf("chaos: %7.1f s  %s on n%d%s%n", start / 1000.0, step.kind(), target, master == target ? " (master)" : "");
      TimeUnit.MILLISECONDS.sleep(step.holdMs());
      note += heal(step, target);
      record(new Applied(step, target, master == target, start, nowMs(), note));
    }
  }

  /** The other nodes that do not serve (not FOLLOWER or MASTER by their /local) as the fault begins. */
  private String notServing(int target) {
    List<String> idle = new ArrayList<>();
    for (int id = 1; id <= nodes.size; id++) {
      String role = id == target ? "" : nodes.role(id).orElse("down");
      if (id != target && !role.equals("FOLLOWER") && !role.equals("MASTER")) {
        idle.add("n" + id + " " + role);
      }
    }
    return String.join(", ", idle);
  }

  /**
   * Fills node {@code n}'s log disk once it serves, waits (bounded) for it to exit, keeps it down for the
   * step's hold, then frees the disk and starts it again. A node that kept running, or exited with another
   * status than a fail-stop's, is an anomaly.
   */
  private void diskFull(FaultPlan.Step step, int n, boolean wasMaster) throws InterruptedException {
    String role = "";
    for (long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DISK_FULL_BOUND_MS);
         System.nanoTime() < until; TimeUnit.MILLISECONDS.sleep(500)) {
      role = nodes.role(n).orElse("");
      if (role.equals("FOLLOWER") || role.equals("MASTER")) {
        break;
      }
    }
    long start = nowMs();
    if (!role.equals("FOLLOWER") && !role.equals("MASTER")) {
      record(new Applied(step, n, wasMaster, start, start, "skipped: the node was not serving (role '" + role
          + "') within " + DISK_FULL_BOUND_MS / 1000 + " s"));
      return;
    }
    long filled;
    try {
      filled = disks.fill(n);
    } catch (IOException e) {
      record(new Applied(step, n, wasMaster, start, nowMs(), "skipped: could not fill the disk: " + e.getMessage()));
      freeQuietly(n);
      return;
    }
    out.printf("chaos: %7.1f s  %s on n%d%s (%d MB taken)%n", start / 1000.0, step.kind(), n,
        wasMaster ? " (master)" : "", filled >> 20);
    Optional<Integer> exit = nodes.awaitExit(n, DISK_FULL_BOUND_MS);
    long exitedMs = nowMs();
    String note;
    if (exit.isEmpty()) {
      note = "did NOT exit within " + DISK_FULL_BOUND_MS / 1000 + " s of its log disk filling (role " + role + ")";
      synchronized (this) {
        anomalies.add(new Anomaly("disk-full-kept-running", "n" + n + " " + note, List.of()));
      }
    } else {
      note = "exit " + exit.get() + " after " + String.format("%.1f s", (exitedMs - start) / 1000.0);
      if (exit.get() != FAIL_STOP_EXIT) {
        synchronized (this) {
          anomalies.add(new Anomaly("disk-full-wrong-exit", "n" + n + " exited with " + exit.get()
              + " when its log disk filled; a fail-stop exits " + FAIL_STOP_EXIT, List.of()));
        }
      }
      TimeUnit.MILLISECONDS.sleep(step.holdMs());
    }
    // Whatever happened, the disk gets its space back and the node runs again (killed first if it hangs on).
    freeQuietly(n);
    if (exit.isEmpty()) {
      nodes.jvm(n).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
      nodes.mariadbd(n).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
      waitGone(n);
    }
    note += restart(n);
    note += servesAgain(n);
    record(new Applied(step, n, wasMaster, start, nowMs(), note));
  }

  /**
   * After a disk-full fail-stop and the space freed, the node must start and serve again (bounded): one
   * that exits at start instead is an anomaly naming its last error line.
   */
  private String servesAgain(int n) throws InterruptedException {
    long from = nowMs();
    Optional<Integer> exit = nodes.awaitExit(n, 0);
    for (long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * DISK_FULL_BOUND_MS);
         System.nanoTime() < until && exit.isEmpty(); exit = nodes.awaitExit(n, 500)) {
      String role = nodes.role(n).orElse("");
      if (role.equals("FOLLOWER") || role.equals("MASTER")) {
        return String.format(", serving again %.1f s after its restart", (nowMs() - from) / 1000.0);
      }
    }
    String why = exit.isPresent() ? "exited " + exit.get() + " at its restart" : "was not serving "
        + 2 * DISK_FULL_BOUND_MS / 1000 + " s after its restart";
    String last = nodes.tail(n, 200).lines().filter(l -> l.contains("ERROR") || l.contains("Exception"))
        .reduce((a, b) -> b).orElse("(no error logged)");
    synchronized (this) {
      anomalies.add(new Anomaly("disk-full-no-restart", "n" + n + " " + why + " once its log disk had space again: "
          + (last.length() > 400 ? last.substring(0, 400) : last), List.of()));
    }
    return ", " + why;
  }

  private void freeQuietly(int n) {
    try {
      disks.free(n);
    } catch (IOException e) {
      out.println("chaos: could not free n" + n + "'s log disk: " + e.getMessage());
    }
  }

  private synchronized void record(Applied a) {
    applied.add(a);
  }

  private long nowMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - originNs);
  }

  private String apply(FaultPlan.Step step, int n) {
    switch (step.kind()) {
      case KILL_JVM -> nodes.jvm(n).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
      case KILL_MARIADB -> nodes.mariadbd(n).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
      case KILL_BOTH -> {
        nodes.jvm(n).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
        nodes.mariadbd(n).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
      }
      case PAUSE_JVM -> nodes.jvm(n).ifPresent(p -> ChaosNodes.signal(p, "STOP"));
      case PAUSE_MARIADB -> nodes.mariadbd(n).ifPresent(p -> ChaosNodes.signal(p, "STOP"));
      case ISOLATE -> net.isolate(n);
      case MINORITY -> {
        for (int o = 1; o <= nodes.size; o++) {
          if (o != n) {
            net.cut(n, o);
            net.cut(o, n);
          }
        }
      }
      case BRIDGE -> {
        List<Integer> others = others(n);
        net.cut(others.get(0), others.get(1));
        net.cut(others.get(1), others.get(0));
      }
      case ONE_WAY -> net.deafen(n % nodes.size + 1, n);
      case MUTE -> others(n).forEach(o -> net.deafen(o, n));
      case DEAF -> others(n).forEach(o -> net.deafen(n, o));
      case DISK_FULL -> throw new IllegalStateException("a disk-full fault is applied by diskFull()");
      case FULL_CLUSTER_KILL -> {
        for (int id = 1; id <= nodes.size; id++) {
          nodes.jvm(id).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
          nodes.mariadbd(id).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
        }
      }
    }
    return "";
  }

  private List<Integer> others(int n) {
    List<Integer> o = new ArrayList<>();
    for (int id = 1; id <= nodes.size; id++) {
      if (id != n) {
        o.add(id);
      }
    }
    return o;
  }

  private String heal(FaultPlan.Step step, int n) throws InterruptedException {
    switch (step.kind()) {
      case PAUSE_JVM -> nodes.jvm(n).ifPresent(p -> ChaosNodes.signal(p, "CONT"));
      case PAUSE_MARIADB -> nodes.mariadbd(n).ifPresent(p -> ChaosNodes.signal(p, "CONT"));
      case ISOLATE, MINORITY, BRIDGE, ONE_WAY, MUTE, DEAF -> net.heal();
      case KILL_MARIADB -> {
        // A node whose MariaDB died does not start it again by itself: restart the node (its start
        // kills any leftover and brings MariaDB back), as an operator or a supervisor would.
        if (nodes.mariadbd(n).isEmpty()) {
          nodes.jvm(n).ifPresent(p -> ChaosNodes.signal(p, "KILL"));
          waitGone(n);
          return restart(n) + " (node restarted: MariaDB had not come back)";
        }
      }
      default -> {
        String notes = "";
        for (int id = 1; id <= nodes.size; id++) {
          notes += restart(id);
        }
        return notes;
      }
    }
    return "";
  }

  private void waitGone(int n) throws InterruptedException {
    for (int i = 0; i < 50 && nodes.jvm(n).isPresent(); i++) {
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  /** Starts node {@code n}'s JVM if none runs. */
  String restart(int n) {
    Optional<ProcessHandle> jvm = nodes.jvm(n);
    if (jvm.isPresent()) {
      return "";
    }
    try {
      nodes.start(n);
      return "";
    } catch (IOException e) {
      return " restart of n" + n + " failed: " + e.getMessage();
    }
  }

  /** Ends every fault: links up, routes and rules gone, disks freed, every process continued, every node running. */
  void healAll() throws InterruptedException {
    net.heal();
    for (int id = 1; id <= nodes.size; id++) {
      freeQuietly(id);
    }
    for (int id = 1; id <= nodes.size; id++) {
      nodes.jvm(id).ifPresent(p -> ChaosNodes.signal(p, "CONT"));
      nodes.mariadbd(id).ifPresent(p -> ChaosNodes.signal(p, "CONT"));
    }
    for (int id = 1; id <= nodes.size; id++) {
      restart(id);
    }
  }
}
