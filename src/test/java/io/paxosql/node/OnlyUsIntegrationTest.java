package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.status.EventJournal;
import io.paxosql.node.status.EventKind;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Only us (issue 15 item 4), on a real three-node cluster with a writer running through the RW ports: a
 * master whose MariaDB could release commits without the cluster resigns and fences, and every commit a
 * client got OK for survives. First root gives itself REPLICATION SLAVE behind the node's back (straight
 * into the grant table) and attaches a semi-sync replica that ACKs everything to the master; then root
 * turns semi-sync off on the next master. Each time the master stops serving, another node takes over in
 * a new epoch, the old master's MariaDB is fenced, a metric and a SECURITY event count it, and at the end
 * every member holds every acknowledged row.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class OnlyUsIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(OnlyUsIntegrationTest.class);
  private ClusterHarness cluster;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aSecondSemiSyncReplicaOrSemiSyncOffMakesTheMasterResignAndFenceWithoutLosingAnAcknowledgedCommit()
      throws Exception {
    cluster = new ClusterHarness(3);
    ClusterRows rows = new ClusterRows(cluster, "app");
    int first = cluster.bootstrap(rows.schema("INT"));
    int via = first % 3 + 1;
    Set<Long> acked = ConcurrentHashMap.newKeySet();
    AtomicBoolean going = new AtomicBoolean(true);
    Thread writer = rows.startWriter(() -> via, going::get, acked, new AtomicLong());
    try {
      Retry.waitFor("writes acknowledged", Duration.ofSeconds(60), () -> acked.size() >= 20);

      // Root writes the privilege straight into the grant table (what only root can do) and attaches a
      // replica that ACKs whatever it receives, before the cluster chose it.
      int port = cluster.configs.get(first - 1).mariadb().port();
      try (Connection c = cluster.direct(first)) {
        Sql.exec(c, "SET SESSION sql_log_bin=0");
        Sql.exec(c, "UPDATE mysql.global_priv SET Priv=JSON_SET(Priv, '$.access', JSON_VALUE(Priv, '$.access') "
            + "| 524288) WHERE User='root'");
        Sql.exec(c, "FLUSH PRIVILEGES");
      }
      Capture intruder = intruder(first, port);
      long start = System.nanoTime();
      intruder.start();
      int second = awaitResignedAndReplaced(first, "foreign-replica", acked);
      log.info("intruder: master {} replaced by {} {} ms after the intruder started connecting; the intruder "
          + "sent {} ACKs; last error {}", first, second, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
          intruder.acksSent(), intruder.lastError());
      intruder.stop().await(30, TimeUnit.SECONDS);
      assertTrue(counter(first, "paxosql.foreign.replicas", null) >= 1, "the intruder was counted as cut off");

      // Root turns semi-sync off on the new master: its commits would go out without the cluster.
      try (Connection c = cluster.direct(second)) {
        Sql.exec(c, "SET GLOBAL rpl_semi_sync_master_enabled=0");
      }
      int third = awaitResignedAndReplaced(second, "semi-sync-settings", acked);
      log.info("semi-sync off: master {} replaced by {}", second, third);
    } finally {
      going.set(false);
      writer.join(60_000);
    }
    log.info("{} writes acknowledged in all", acked.size());
    rows.checksumEverywhere(List.of(1, 2, 3), acked);
  }

  /**
   * Waits for {@code master} to stop serving for {@code cause}, another node to serve in a newer epoch, the
   * old master's MariaDB to be fenced, and writes to go on; returns the new master.
   */
  private int awaitResignedAndReplaced(int master, String cause, Set<Long> acked) {
    long epoch = cluster.node(master).chain().state().epoch();
    Retry.waitFor("node " + master + " to stop being master", Duration.ofSeconds(60),
        () -> cluster.node(master).role() != NodeRole.MASTER);
    Retry.waitFor("another node as master of a newer epoch", Duration.ofSeconds(120), () -> cluster.master()
        .filter(m -> m != master && cluster.node(m).chain().state().epoch() > epoch).isPresent());
    int next = cluster.master().orElseThrow();
    Retry.waitFor("node " + master + " fenced and following", Duration.ofSeconds(120),
        () -> cluster.node(master).role() == NodeRole.FOLLOWER && journal(master, EventKind.FENCE, "fences its MariaDB"));
    assertTrue(journal(master, EventKind.SECURITY, "resigns as master"), "the resignation is a SECURITY event");
    assertTrue(counter(master, "paxosql.onlyus.resignations", cause) >= 1, "the resignation is counted as " + cause);
    int before = acked.size();
    Retry.waitFor("writes acknowledged by the new master", Duration.ofSeconds(60), () -> acked.size() >= before + 20);
    return next;
  }

  private boolean journal(int node, EventKind kind, String text) {
    return cluster.node(node).events().recent(EventJournal.DEFAULT_CAPACITY).stream()
        .anyMatch(e -> e.kind() == kind && e.message().contains(text));
  }

  private double counter(int node, String name, String cause) {
    var search = cluster.node(node).registry().find(name);
    Counter c = (cause == null ? search : search.tag("cause", cause)).counter();
    return c == null ? 0 : c.count();
  }

  /** root's semi-sync replica on a node's MariaDB that ACKs whatever it receives, as an intruder's would. */
  private Capture intruder(int node, int port) throws Exception {
    String pos;
    try (Connection c = cluster.direct(node)) {
      pos = Sql.queryString(c, "SELECT @@GLOBAL.gtid_binlog_pos");
    }
    return new Capture(vertx, CaptureConfig.of("127.0.0.1", port, "root", cluster.layout.rootPassword(), 4242,
        GtidState.parse(pos)), tx -> Future.succeededFuture());
  }
}
