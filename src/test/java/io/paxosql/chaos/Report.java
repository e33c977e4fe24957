package io.paxosql.chaos;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Runs the checkers over the histories and final states and prints what a chaos run did and found. */
final class Report {
  private final long seed;
  private final double minutes;
  private final List<FaultRunner.Applied> faults;
  private final List<Op<BankOp>> bank;
  private final List<Op<Txn>> lists;
  private final List<Op<RegOp>> regs;
  private final List<FinalState> finals;
  private final long convergeMs;
  private final List<MasterWatch.Change> masters;
  private final List<Anomaly> anomalies = new ArrayList<>();
  private final List<Integer> uncheckedKeys;
  private final int registerKeys;

  Report(long seed, double minutes, List<FaultRunner.Applied> faults, List<Anomaly> faultAnomalies,
      List<Op<BankOp>> bank, List<Op<Txn>> lists,
      List<Op<RegOp>> regs, List<FinalState> finals, long total, int accounts, List<MasterWatch.Change> masters, long convergeMs) {
    this.seed = seed;
    this.minutes = minutes;
    this.faults = faults;
    this.bank = bank;
    this.lists = lists;
    this.regs = regs;
    this.finals = finals;
    this.masters = masters;
    this.convergeMs = convergeMs;
    anomalies.addAll(faultAnomalies);
    anomalies.addAll(BankChecker.check(bank, accounts, total));
    long end = Long.MAX_VALUE / 4;
    int index = 1_000_000;
    List<Op<Txn>> withFinal = new ArrayList<>(lists);
    List<Op<RegOp>> regsWithFinal = new ArrayList<>(regs);
    List<Op<BankOp>> bankFinal = new ArrayList<>();
    for (FinalState f : finals) {
      if (f.gtid().startsWith("unreadable")) {
        // Not evidence about the histories: the node itself is reported, its empty tables are not read.
        anomalies.add(new Anomaly("node-unreadable", "n" + f.node() + "'s MariaDB could not be read after"
            + " convergence: " + f.gtid(), List.of()));
        continue;
      }
      for (Map.Entry<Integer, List<Integer>> e : f.lists().entrySet()) {
        withFinal.add(new Op<>(index++, -1, "n" + f.node() + "/final", end, end + 1, Op.Outcome.OK,
            new Txn(List.of(Txn.Mop.read(e.getKey(), e.getValue()))), null));
      }
      // Every key ever written, read at the end on this node (no row reads as null).
      regs.stream().map(op -> op.value().key()).distinct().forEach(k -> regsWithFinal.add(new Op<>(0, -1,
          "n" + f.node() + "/final", end, end + 1, Op.Outcome.OK, RegOp.read(k, f.registers().get(k)), null)));
      bankFinal.add(new Op<>(0, -1, "n" + f.node() + "/final", end, end + 1, Op.Outcome.OK, BankOp.read(f.bank()),
          null));
    }
    anomalies.addAll(BankChecker.check(bankFinal, accounts, total));
    anomalies.addAll(ListAppendChecker.check(withFinal));
    RegisterChecker.Result r = RegisterChecker.check(regsWithFinal);
    anomalies.addAll(r.anomalies());
    uncheckedKeys = r.unchecked();
    registerKeys = r.keys();
    if (finals.stream().filter(f -> !f.gtid().startsWith("unreadable")).map(FinalState::checksums).distinct()
        .count() > 1) {
      anomalies.add(new Anomaly("checksum-mismatch", "the nodes' tables differ after convergence: " + finals.stream()
          .map(f -> "n" + f.node() + " " + f.checksums() + " at " + f.gtid()).collect(Collectors.joining("; ")),
          List.of()));
    }
  }

  List<Anomaly> anomalies() {
    return anomalies;
  }

  /** An anomaly the run found beyond the histories' (a failover slower than its bound). */
  void add(Anomaly a) {
    anomalies.add(a);
  }

  void print(PrintStream out) {
    out.println();
    out.println("==================== chaos report ====================");
    out.printf("seed %d, %.1f minutes of workload, reproduce with CHAOS_SEED=%d CHAOS_MINUTES=%s make chaos%n", seed,
        minutes, seed, minutes);
    out.println("faults applied (" + faults.size() + "):");
    faults.forEach(f -> out.println("  " + f));
    Map<FaultPlan.Kind, Integer> byKind = new EnumMap<>(FaultPlan.Kind.class);
    faults.forEach(f -> byKind.merge(f.step().kind(), 1, Integer::sum));
    out.println("  by kind: " + byKind);
    out.println("operations:");
    line(out, "bank", bank);
    line(out, "list-append", lists);
    line(out, "register", regs);
    out.printf("  register keys checked for linearizability: %d (unchecked, search budget exhausted: %s)%n",
        registerKeys - uncheckedKeys.size(), uncheckedKeys);
    out.println("faults on the master: time to a new lease-holding master (or the old one after healing), and to");
    out.println("the first acknowledged write invoked after the fault began (clients stuck on the faulted node delay it):");
    List<Long> times = writesResumed();
    for (int i = 0, j = 0; i < faults.size(); i++) {
      FaultRunner.Applied f = faults.get(i);
      if (f.wasMaster() || f.step().kind() == FaultPlan.Kind.FULL_CLUSTER_KILL) {
        long t = times.get(j++);
        long m = MasterWatch.failover(masters, f.node(), f.startMs(), f.endMs());
        out.printf("  %-18s at %7.1f s (held %5.1f s): master %s, writes %s%s%n", f.step().kind(), f.startMs() / 1000.0,
            (f.endMs() - f.startMs()) / 1000.0, m < 0 ? "none seen" : String.format("%.1f s", m / 1000.0),
            t < 0 ? "none acknowledged" : String.format("%.1f s", t / 1000.0),
            f.note().startsWith(FaultRunner.NOT_SERVING) ? "  (no spare majority: another node was not serving)" : "");
      }
    }
    out.printf("convergence after healing: %.1f s%n", convergeMs / 1000.0);
    finals.forEach(f -> out.println("  n" + f.node() + " gtid " + f.gtid() + "  " + f.checksums()));
    Map<String, List<Anomaly>> byAnomaly = new TreeMap<>();
    anomalies.forEach(a -> byAnomaly.computeIfAbsent(a.kind(), k -> new ArrayList<>()).add(a));
    out.println("anomalies: " + anomalies.size() + (anomalies.isEmpty() ? "" : " " + byAnomaly.keySet()));
    byAnomaly.forEach((kind, list) -> {
      out.println("  " + kind + " (" + list.size() + "):");
      list.stream().limit(5).forEach(a -> out.println("    " + a));
    });
    out.println(anomalies.isEmpty() ? "chaos: PASS" : "chaos: FAIL");
  }

  private static <T> void line(PrintStream out, String name, List<Op<T>> ops) {
    Map<Op.Outcome, Long> n = ops.stream().collect(Collectors.groupingBy(Op::outcome, () -> new EnumMap<>(Op.Outcome.class),
        Collectors.counting()));
    out.printf("  %-12s %6d  (ok %d, fail %d, unknown %d)%n", name, ops.size(), n.getOrDefault(Op.Outcome.OK, 0L),
        n.getOrDefault(Op.Outcome.FAIL, 0L), n.getOrDefault(Op.Outcome.UNKNOWN, 0L));
  }

  /** For each master-aimed fault: ms from its start to the completion of the first ok write invoked after it. */
  List<Long> writesResumed() {
    List<Op<?>> writes = new ArrayList<>();
    bank.stream().filter(o -> o.ok() && o.value().transfer()).forEach(writes::add);
    lists.stream().filter(o -> o.ok() && !o.value().readOnly()).forEach(writes::add);
    regs.stream().filter(o -> o.ok() && o.value().kind() != RegOp.Kind.READ).forEach(writes::add);
    List<Long> out = new ArrayList<>();
    for (FaultRunner.Applied f : faults) {
      if (f.wasMaster() || f.step().kind() == FaultPlan.Kind.FULL_CLUSTER_KILL) {
        long startNs = f.startMs() * 1_000_000L;
        out.add(writes.stream().filter(w -> w.invokeNs() >= startNs).mapToLong(Op::completeNs).min()
            .stream().map(c -> (c - startNs) / 1_000_000L).boxed().findFirst().orElse(-1L));
      }
    }
    return out;
  }

  void writeHistories(Path dir) {
    ChaosMain.writeText(dir.resolve("history-bank.txt"), join(bank));
    ChaosMain.writeText(dir.resolve("history-list-append.txt"), join(lists));
    ChaosMain.writeText(dir.resolve("history-register.txt"), join(regs));
  }

  private static String join(List<? extends Op<?>> ops) {
    return ops.stream().map(Op::toString).collect(Collectors.joining("\n", "", "\n"));
  }
}
