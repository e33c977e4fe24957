package io.paxosql.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The chaos run itself, started by {@link ChaosSuiteTest} inside the clients' namespace (so every
 * client connection crosses the bridge to a node's address) once the namespaces exist:
 * {@code ChaosMain DIR MINUTES SEED}. Starts three node processes in their namespaces, initialises the
 * cluster, runs the workloads under the seeded faults, heals, waits for convergence, checks the
 * histories and every node's final tables, prints the report and exits 1 on any anomaly.
 */
public final class ChaosMain {
  static final int NODES = 3;
  private final Path dir;
  private final double minutes;
  private final long seed;
  private final Set<FaultPlan.Kind> skip;
  private final PrintStream out = System.out;

  private ChaosMain(Path dir, double minutes, long seed, Set<FaultPlan.Kind> skip) {
    this.dir = dir;
    this.minutes = minutes;
    this.seed = seed;
    this.skip = skip;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: ChaosMain DIR MINUTES SEED SKIPPED_KINDS (run by ChaosSuiteTest: `make chaos`)");
      System.exit(2);
    }
    Set<FaultPlan.Kind> skip = EnumSet.noneOf(FaultPlan.Kind.class);
    for (String k : args[3].split(",")) {
      if (!k.isBlank()) {
        skip.add(FaultPlan.Kind.valueOf(k.strip()));
      }
    }
    int anomalies = new ChaosMain(Path.of(args[0]), Double.parseDouble(args[1]), Long.parseLong(args[2]), skip).run();
    System.exit(anomalies == 0 ? 0 : 1);
  }

  private int run() throws Exception {
    long origin = System.nanoTime();
    ChaosNodes nodes = new ChaosNodes(dir, NODES);
    Netns net = new Netns(NODES);
    out.printf("chaos: seed %d, %.1f minutes, %d nodes in namespaces, run directory %s%s%n", seed, minutes, NODES, dir,
        skip.isEmpty() ? "" : ", faults skipped: " + skip);
    long runMs = (long) (minutes * 60_000);
    BankWorkload bank = new BankWorkload(seed, NODES, origin);
    ListAppendWorkload lists = new ListAppendWorkload(seed, NODES, origin);
    RegisterWorkload regs = new RegisterWorkload(seed, NODES, origin);
    List<Workload<?>> workloads = List.of(bank, lists, regs);
    int master = boot(nodes, workloads);
    FaultPlan plan = FaultPlan.generate(seed, NODES, runMs, skip);
    out.printf("chaos: cluster up (master n%d) after %.1f s; plan: %d faults%n", master,
        (System.nanoTime() - origin) / 1e9, plan.steps().size());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(runMs);
    FaultRunner faults = new FaultRunner(nodes, net, new LogDisks(dir, NODES), origin, out);
    MasterWatch watch = new MasterWatch(nodes, origin);
    watch.start();
    workloads.forEach(w -> w.start(deadline));
    try {
      faults.run(plan, deadline);
    } finally {
      faults.healAll();
    }
    for (Workload<?> w : workloads) {
      if (!w.join(60_000)) {
        out.println("chaos: WARNING: " + w.name() + " clients still running a minute after the deadline");
      }
    }
    faults.healAll();
    watch.close();
    long healedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - origin);
    List<FinalState> finals = converge(nodes, faults, out);
    long convergedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - origin);
    Report report = new Report(seed, minutes, faults.applied(), faults.anomalies(), bank.history.ops(), lists.history.ops(),
        regs.history.ops(), finals, bank.total(), BankWorkload.ACCOUNTS, watch.changes(), convergedMs - healedMs);
    LogDisks disks = new LogDisks(dir, NODES);
    for (int id = 1; id <= NODES; id++) {
      out.printf("chaos: n%d's log disk holds %d MB of %s%n", id, disks.logBytes(id) >> 20, LogDisks.SIZE);
    }
    report.print(out);
    try (PrintStream file = new PrintStream(dir.resolve("report.txt").toFile(), StandardCharsets.UTF_8)) {
      report.print(file);
    }
    report.writeHistories(dir);
    return report.anomalies().size();
  }

  /**
   * Starts every node, initialises the cluster, creates the chaos account and the workloads' tables on
   * the master and waits until every node's RW and RO ports serve that account. Returns the master.
   */
  static int boot(ChaosNodes nodes, List<Workload<?>> workloads) throws Exception {
    for (int id = 1; id <= NODES; id++) {
      nodes.start(id);
    }
    for (int id = 1; id <= NODES; id++) {
      int n = id;
      await("node " + n + "'s admin port", Duration.ofMinutes(3), () -> nodes.local(n).isPresent() ? "" : null,
          () -> nodes.tail(n, 20));
    }
    nodes.init();
    int master = Integer.parseInt(await("a master after init", Duration.ofMinutes(2), () -> {
      int m = nodes.master();
      return m > 0 ? Integer.toString(m) : null;
    }, () -> nodes.tail(1, 20)));
    try (Connection root = nodes.rootLocal(master); Statement s = root.createStatement()) {
      s.execute("CREATE DATABASE chaos");
      s.execute("CREATE USER '" + SqlClient.USER + "'@'%' IDENTIFIED BY '" + SqlClient.PASSWORD + "'");
      s.execute("GRANT ALL ON chaos.* TO '" + SqlClient.USER + "'@'%'");
      for (Workload<?> w : workloads) {
        w.setUp(root);
      }
    }
    for (int id = 1; id <= NODES; id++) {
      int n = id;
      await("the chaos account on node " + n + "'s RW and RO ports", Duration.ofMinutes(1), () -> {
        try (SqlClient c = new SqlClient(); Statement st = c.ro(n).createStatement()) {
          st.executeQuery("SELECT COUNT(*) FROM reg").close();
          c.rw(n).createStatement().executeQuery("SELECT 1").close();
          return "ok";
        } catch (SQLException e) {
          return null;
        }
      }, () -> nodes.tail(n, 10));
    }
    return master;
  }

  /** Waits until every node runs, a master holds the lease and every MariaDB holds the same GTIDs. */
  static List<FinalState> converge(ChaosNodes nodes, FaultRunner faults, PrintStream out) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    String last = "";
    while (System.nanoTime() < deadline) {
      faults.healAll();
      List<String> gtids = new ArrayList<>();
      try {
        if (nodes.master() == 0) {
          last = "no master yet";
        } else {
          for (int id = 1; id <= NODES; id++) {
            try (Connection c = nodes.rootLocal(id)) {
              gtids.add(FinalState.gtid(c));
            }
          }
          if (gtids.stream().distinct().count() == 1) {
            List<FinalState> finals = new ArrayList<>();
            for (int id = 1; id <= NODES; id++) {
              try (Connection c = nodes.rootLocal(id)) {
                finals.add(FinalState.read(id, c));
              }
            }
            if (finals.stream().map(FinalState::gtid).distinct().count() == 1) {
              return finals;
            }
          }
          last = "GTID positions " + gtids;
        }
      } catch (SQLException e) {
        last = "reading the nodes' MariaDB: " + e.getMessage();
      }
      TimeUnit.SECONDS.sleep(1);
    }
    out.println("chaos: the cluster did not converge within 4 minutes after healing: " + last);
    List<FinalState> finals = new ArrayList<>();
    for (int id = 1; id <= NODES; id++) {
      try (Connection c = nodes.rootLocal(id)) {
        finals.add(FinalState.read(id, c));
      } catch (SQLException e) {
        out.println("chaos: node " + id + "'s MariaDB cannot be read: " + e.getMessage());
        finals.add(new FinalState(id, "unreadable: " + e.getMessage(), Map.of(), Map.of(), Map.of(), ""));
      }
    }
    return finals;
  }

  /** Polls {@code probe} until it gives non-null; fails naming what was awaited and the log tail. */
  private static String await(String what, Duration max, Supplier<String> probe, Supplier<String> context)
      throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      String r = probe.get();
      if (r != null) {
        return r;
      }
      TimeUnit.MILLISECONDS.sleep(250);
    }
    throw new IllegalStateException("timed out after " + max + " waiting for " + what + "; log:\n" + context.get());
  }

  static void writeText(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      System.out.println("chaos: could not write " + file + ": " + e.getMessage());
    }
  }
}
