package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 12: a node process stopped as a terminal stops it (SIGTERM or SIGINT to its process group)
 * under write load shuts its MariaDB down cleanly, the next start needs no crash recovery, and no
 * acknowledged row is lost. The master is stopped twice (each signal once), a follower once.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class NodeStopProcessTest {
  private static final Logger log = LoggerFactory.getLogger(NodeStopProcessTest.class);
  private static final Duration START = Duration.ofSeconds(120);
  /** Lines a MariaDB 10.11 start prints only when the last stop was not clean (InnoDB redo, binlog/XA). */
  private static final Pattern RECOVERY = Pattern.compile(
      "Starting crash recovery|Recovering after a crash|crash recovery|transaction\\(s\\) which must be rolled back"
          + "|prepared transaction|Rolled back recovered|Truncated binlog|Truncating the binlog|tc-heuristic-recover",
      Pattern.CASE_INSENSITIVE);

  private NodeProcesses cluster;
  private volatile int writeTo = 1;

  @AfterEach
  void tearDown() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aSignalledNodeShutsItsMariaDbDownCleanlyAndLosesNothing() throws Exception {
    cluster = new NodeProcesses(3);
    int master = cluster.startInitialised(START);
    try (Connection c = cluster.rw(master); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE stopdb");
      s.execute("CREATE TABLE stopdb.w (id BIGINT PRIMARY KEY, at DATETIME(6))");
    }
    writeTo = master;
    try (RwWriter writers = new RwWriter(cluster, 4, () -> writeTo)) {
      writers.awaitProgress(50, 30_000, "before the first stop");
      stopAndRestart(writers, cluster.awaitMaster(START), "TERM");
      stopAndRestart(writers, cluster.awaitMaster(START), "INT");
      int m = cluster.awaitMaster(START);
      int follower = m == 1 ? 2 : 1;
      stopAndRestart(writers, follower, "TERM");
      writers.awaitProgress(50, 60_000, "after the last restart");
      writers.close();
      Set<Long> acked = writers.acknowledged();
      log.info("{} INSERTs acknowledged, {} failed", acked.size(),
          writers.outcomes().stream().filter(o -> !o.ok()).count());
      for (int id = 1; id <= cluster.size(); id++) {
        assertAllPresent(id, acked);
      }
    }
    cluster.passed = true;
  }

  /** Stops {@code id} by signalling its process group under load, checks the stop, restarts it. */
  private void stopAndRestart(RwWriter writers, int id, String signal) throws Exception {
    writeTo = survivor(id);
    writers.awaitProgress(20, 60_000, "through node " + writeTo + " before stopping node " + id);
    long stopFrom = cluster.errorLogSize(id);
    log.info("SIG{} to node {}'s process group (roles {})", signal, id, cluster.roles());
    long t0 = System.nanoTime();
    cluster.signal(id, signal, true);
    cluster.awaitExit(id, Duration.ofSeconds(200));
    log.info("node {} exited {} ms after SIG{}", id, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), signal);
    String stopLog = cluster.errorLogSince(id, stopFrom);
    assertTrue(lastLine(stopLog).contains("Shutdown complete"), "node " + id + "'s MariaDB did not shut down "
        + "cleanly after SIG" + signal + "; its error log ends:\n" + lastLines(stopLog, 15)
        + "\nnode log ends:\n" + NodeProcesses.tail(cluster.log(id), 40));
    writers.awaitProgress(20, 60_000, "through node " + writeTo + " while node " + id + " is down");
    long startFrom = cluster.errorLogSize(id);
    cluster.start(id, START);
    String startLog = cluster.errorLogSince(id, startFrom);
    List<String> recovery = startLog.lines().filter(l -> RECOVERY.matcher(l).find()).toList();
    assertTrue(recovery.isEmpty(), "node " + id + "'s MariaDB needed crash recovery at its next start: " + recovery);
  }

  private int survivor(int stopped) {
    return stopped == 1 ? 2 : 1;
  }

  private void assertAllPresent(int id, Set<Long> acked) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Set<Long> missing;
    while (true) {
      Set<Long> present = new HashSet<>();
      try (Connection c = cluster.direct(id); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT id FROM stopdb.w")) {
        while (rs.next()) {
          present.add(rs.getLong(1));
        }
      } catch (SQLException e) {
        log.info("node {} not readable yet: {}", id, e.getMessage());
      }
      missing = new HashSet<>(acked);
      missing.removeAll(present);
      if (missing.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
    List<Long> some = new ArrayList<>(missing).subList(0, Math.min(20, missing.size()));
    assertEquals(0, missing.size(), "node " + id + " lacks " + missing.size() + " acknowledged rows, e.g. " + some);
  }

  private static String lastLine(String text) {
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  private static String lastLines(String text, int n) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }
}
