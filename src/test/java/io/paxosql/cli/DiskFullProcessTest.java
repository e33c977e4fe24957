package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.paxosql.testing.Retry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 15, fail-stop: the master's Paxos log lives on a tiny loop-mounted filesystem that fills under
 * load. The master must kill its MariaDB and exit non-zero with a message naming the log file and the
 * error (before: the log stopped but the node stayed MASTER with a writable MariaDB and clients hung);
 * another node takes over with every acknowledged write. Needs root (mount -o loop); skipped otherwise.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class DiskFullProcessTest {
  private static final Logger log = LoggerFactory.getLogger(DiskFullProcessTest.class);
  private static final Duration START = Duration.ofSeconds(120);
  private static final int FULL_NODE = 1;

  private NodeProcesses cluster;
  private Path image;
  private Path mountPoint;
  private boolean mounted;

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (mounted) {
        // Lazily: a node that failed to exit may still hold files there; close() kills it next.
        run(30, "umount", "-l", mountPoint.toString());
      }
    } finally {
      try {
        if (cluster != null) {
          cluster.close();
        }
      } finally {
        if (image != null) {
          Files.deleteIfExists(image);
        }
      }
    }
  }

  @Test
  void aMasterWhoseLogDiskFillsFencesAndExitsAndAnotherTakesOver() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "assumption: this test mounts a loop filesystem, which needs root; it is skipped for other users");
    cluster = new NodeProcesses(3);
    image = Files.createTempFile(Path.of("/tmp"), "pxs-fullfs-", ".img");
    mountPoint = cluster.dir.resolve("node" + FULL_NODE).resolve("paxos");
    Files.createDirectories(mountPoint);
    run(30, "truncate", "-s", "48M", image.toString());
    run(60, "mkfs.ext4", "-q", "-F", image.toString());
    mounted = run(30, "mount", "-o", "loop", image.toString(), mountPoint.toString()) == 0;
    assumeTrue(mounted, "assumption: mount -o loop works here (it needs loop devices)");
    // Space the operator frees after the node stopped, as its message asks.
    Path ballast = mountPoint.resolve("ballast.bin");
    assertEquals(0, run(30, "fallocate", "-l", "8M", ballast.toString()), "fallocate the ballast file");

    int first = cluster.startInitialised(START);
    int master = makeMaster(first);
    assertEquals(FULL_NODE, master, "node " + FULL_NODE + " should be master before its disk fills");
    int entry = 2;
    try (Connection c = cluster.rw(entry); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE fill");
      s.execute("CREATE TABLE fill.t (id BIGINT PRIMARY KEY, pad LONGBLOB)");
    }

    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread writer = new Thread(() -> write(entry, acknowledged, running), "fill-writer");
    writer.start();
    int exit;
    try {
      exit = cluster.awaitExit(FULL_NODE, Duration.ofMinutes(4));
    } finally {
      running.set(false);
      writer.join(60_000);
    }
    String output = Files.readString(cluster.log(FULL_NODE), StandardCharsets.UTF_8);
    log.info("node {} exited with {} after {} acknowledged writes", FULL_NODE, exit, acknowledged.size());
    assertNotEquals(0, exit, "a node whose log cannot be written must exit non-zero");
    assertTrue(output.contains("cannot write the Paxos log in " + mountPoint), "the message names the log: "
        + NodeProcesses.tail(cluster.log(FULL_NODE), 20));
    assertTrue(output.contains(".cq4"), "the message names the file: " + NodeProcesses.tail(cluster.log(FULL_NODE), 20));
    assertTrue(!acknowledged.isEmpty(), "some writes were acknowledged before the disk filled");

    int next = cluster.awaitMaster(Duration.ofSeconds(90));
    assertNotEquals(FULL_NODE, next);
    Set<Long> found = new HashSet<>();
    Retry.until("every acknowledged write on the new master", Duration.ofSeconds(60), () -> {
      found.clear();
      try (Connection c = cluster.rw(next); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT id FROM fill.t")) {
        while (rs.next()) {
          found.add(rs.getLong(1));
        }
      }
      Set<Long> missing = new HashSet<>(acknowledged);
      missing.removeAll(found);
      if (!missing.isEmpty()) {
        throw new IllegalStateException(missing.size() + " acknowledged writes missing, e.g. " + missing.iterator().next());
      }
      return true;
    });
    try (Connection c = cluster.rw(next); Statement s = c.createStatement()) {
      s.execute("INSERT INTO fill.t VALUES (-1, 'after')");
    }
    assertTrue(!cluster.alive(FULL_NODE));
    acknowledged.add(-1L);
    Set<Long> atTakeover = Set.copyOf(acknowledged);

    // The operator frees space and starts the node again: its torn last log entry (the write the full disk
    // refused) was never synced nor acknowledged, so it starts, follows and catches up.
    Files.delete(ballast);
    cluster.start(FULL_NODE, START);
    log.info("node {} restarted; dropped a torn last log entry: {}", FULL_NODE,
        Files.readString(cluster.log(FULL_NODE), StandardCharsets.UTF_8).contains("dropping the torn last entry"));
    Retry.until("node " + FULL_NODE + " back as a follower with every acknowledged write", Duration.ofSeconds(120),
        () -> {
          String role = cluster.local(FULL_NODE).map(st -> st.getString("role")).orElse("?");
          if (!"FOLLOWER".equals(role)) {
            throw new IllegalStateException("node " + FULL_NODE + " is " + role + "; roles " + cluster.roles());
          }
          Set<Long> held = new HashSet<>();
          try (Connection c = cluster.direct(FULL_NODE); Statement s = c.createStatement();
               ResultSet rs = s.executeQuery("SELECT id FROM fill.t")) {
            while (rs.next()) {
              held.add(rs.getLong(1));
            }
          }
          Set<Long> missing = new HashSet<>(atTakeover);
          missing.removeAll(held);
          if (!missing.isEmpty()) {
            throw new IllegalStateException(missing.size() + " acknowledged writes missing on node " + FULL_NODE
                + ", e.g. " + missing.iterator().next());
          }
          return true;
        });
    cluster.passed = true;
  }

  /** Steps masters down until node FULL_NODE leads (the lowest rank campaigns first); bounded. */
  private int makeMaster(int current) throws Exception {
    int master = current;
    for (int i = 0; i < 5 && master != FULL_NODE; i++) {
      cluster.adminPost(master, "/step-down");
      int was = master;
      master = Retry.until("a new master after node " + was + " stepped down", Duration.ofSeconds(60), () -> {
        int m = cluster.master().orElseThrow(() -> new IllegalStateException("roles " + cluster.roles()));
        if (m == was) {
          throw new IllegalStateException("node " + was + " still master");
        }
        return m;
      });
    }
    return master;
  }

  /** 64 KiB rows through a node's RW port until stopped; records every acknowledged id. */
  private void write(int node, Set<Long> acknowledged, AtomicBoolean running) {
    byte[] pad = new byte[64 * 1024];
    long id = 0;
    while (running.get()) {
      try (Connection c = cluster.rw(node);
           PreparedStatement p = c.prepareStatement("INSERT INTO fill.t VALUES (?, ?)")) {
        while (running.get()) {
          long next = ++id;
          p.setLong(1, next);
          p.setBytes(2, pad);
          p.executeUpdate();
          acknowledged.add(next);
        }
      } catch (SQLException e) {
        // outcome unknown for the write in flight; it is not counted as acknowledged
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private static int run(int seconds, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish within " + seconds + " s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      log.warn("{} exited with {}: {}", String.join(" ", cmd), p.exitValue(), out);
    }
    return p.exitValue();
  }
}
