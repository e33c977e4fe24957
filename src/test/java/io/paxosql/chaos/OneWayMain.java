package io.paxosql.chaos;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one-way failover run ({@link OneWayFailoverTest}): boots the chaos cluster under the chaos
 * workloads, then cuts the master one way for each kind named (MUTE: no one hears it; DEAF: it hears no
 * one), one after the other, each held {@code HOLD_MS}, and checks that a new master took over and
 * acknowledged a write within {@code BOUND_MS} of the cut, as it does after a kill. The histories and
 * final tables are checked as in a chaos run. {@code OneWayMain DIR KINDS HOLD_MS BOUND_MS}; exits 1 on
 * any anomaly or slow failover.
 */
public final class OneWayMain {
  /** Quiet time before each cut: the cluster settles and the clients find the master. */
  static final long GAP_MS = 5_000;
  /** How long to wait for a lease-holding master before the next cut. */
  static final long MASTER_WAIT_MS = 60_000;

  private OneWayMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: OneWayMain DIR KINDS HOLD_MS BOUND_MS (run by OneWayFailoverTest)");
      System.exit(2);
    }
    List<FaultPlan.Kind> kinds = new ArrayList<>();
    for (String k : args[1].split(",")) {
      kinds.add(FaultPlan.Kind.valueOf(k.strip()));
    }
    System.exit(run(Path.of(args[0]), kinds, Long.parseLong(args[2]), Long.parseLong(args[3])) == 0 ? 0 : 1);
  }

  private static int run(Path dir, List<FaultPlan.Kind> kinds, long holdMs, long boundMs) throws Exception {
    PrintStream out = System.out;
    long origin = System.nanoTime();
    int n = ChaosMain.NODES;
    ChaosNodes nodes = new ChaosNodes(dir, n);
    Netns net = new Netns(n);
    out.printf("oneway: %s on the master, each held %d ms, bound %d ms; run directory %s%n", kinds, holdMs, boundMs, dir);
    BankWorkload bank = new BankWorkload(1, n, origin);
    ListAppendWorkload lists = new ListAppendWorkload(1, n, origin);
    RegisterWorkload regs = new RegisterWorkload(1, n, origin);
    List<Workload<?>> workloads = List.of(bank, lists, regs);
    int first = ChaosMain.boot(nodes, workloads);
    out.printf("oneway: cluster up (master n%d) after %.1f s%n", first, (System.nanoTime() - origin) / 1e9);
    long runMs = kinds.size() * (GAP_MS + holdMs + MASTER_WAIT_MS) + GAP_MS;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(runMs);
    FaultRunner faults = new FaultRunner(nodes, net, new LogDisks(dir, n), origin, out);
    MasterWatch watch = new MasterWatch(nodes, origin);
    watch.start();
    workloads.forEach(w -> w.start(deadline));
    try {
      for (FaultPlan.Kind kind : kinds) {
        awaitMaster(nodes);
        faults.run(new FaultPlan(List.of(new FaultPlan.Step(kind, 0, holdMs, GAP_MS))), deadline);
      }
      awaitMaster(nodes);
      // A little traffic after the last heal, then the clients stop.
      TimeUnit.MILLISECONDS.sleep(GAP_MS);
    } finally {
      faults.healAll();
    }
    long stopNs = System.nanoTime();
    workloads.forEach(w -> w.stopAt(stopNs));
    for (Workload<?> w : workloads) {
      if (!w.join(60_000)) {
        out.println("oneway: WARNING: " + w.name() + " clients still running a minute after the stop");
      }
    }
    watch.close();
    long healedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - origin);
    List<FinalState> finals = ChaosMain.converge(nodes, faults, out);
    long convergedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - origin);
    Report report = new Report(0, runMs / 60_000.0, faults.applied(), faults.anomalies(), bank.history.ops(),
        lists.history.ops(), regs.history.ops(), finals, bank.total(), BankWorkload.ACCOUNTS, watch.changes(),
        convergedMs - healedMs);
    List<Long> writes = report.writesResumed();
    List<FaultRunner.Applied> applied = faults.applied();
    if (applied.size() != kinds.size()) {
      report.add(new Anomaly("fault-not-applied", applied.size() + " of " + kinds.size() + " cuts were applied",
          List.of()));
    }
    for (int i = 0, j = 0; i < applied.size(); i++) {
      FaultRunner.Applied f = applied.get(i);
      if (!f.wasMaster()) {
        report.add(new Anomaly("fault-missed-master", f + ": no node held the lease when the cut began", List.of()));
        continue;
      }
      long master = MasterWatch.failover(watch.changes(), f.node(), f.startMs(), f.endMs());
      long write = writes.get(j++);
      if (master < 0 || master > boundMs || write < 0 || write > boundMs) {
        report.add(new Anomaly("slow-failover", String.format("%s of the master n%d held %.1f s: new master after %s,"
            + " first acknowledged write after %s; a failover must take at most %.1f s", f.step().kind(), f.node(),
            (f.endMs() - f.startMs()) / 1000.0, seconds(master), seconds(write), boundMs / 1000.0), List.of()));
      }
    }
    report.print(out);
    try (PrintStream file = new PrintStream(dir.resolve("report.txt").toFile(), StandardCharsets.UTF_8)) {
      report.print(file);
    }
    report.writeHistories(dir);
    return report.anomalies().size();
  }

  private static String seconds(long ms) {
    return ms < 0 ? "never" : String.format("%.1f s", ms / 1000.0);
  }

  /**
   * Waits (bounded) until a node holds the lease and every node serves, so the next cut is aimed at a
   * master and measures a failover, not a member's restart (a cut with a member down leaves no majority).
   */
  private static void awaitMaster(ChaosNodes nodes) throws InterruptedException {
    for (long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MASTER_WAIT_MS);
         System.nanoTime() < until && (nodes.master() == 0 || !allServe(nodes)); ) {
      TimeUnit.MILLISECONDS.sleep(200);
    }
  }

  private static boolean allServe(ChaosNodes nodes) {
    for (int id = 1; id <= nodes.size; id++) {
      String role = nodes.role(id).orElse("");
      if (!role.equals("FOLLOWER") && !role.equals("MASTER")) {
        return false;
      }
    }
    return true;
  }
}
