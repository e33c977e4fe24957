package io.paxosql.binlog.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.event.BinlogEvent;
import io.paxosql.binlog.event.BinlogFile;
import io.paxosql.binlog.event.EventCodec;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.event.GtidEvent;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The capture's ACK is what lets a commit on A finish: no confirmation, no commit, even across a crash. */
class LosslessIntegrationTest {
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();

  private static CompletableFuture<Void> insertInBackground(Rig rig, String v) {
    return CompletableFuture.runAsync(() -> {
      try (Connection c = Sql.root(rig.a)) {
        Sql.exec(c, "INSERT INTO d.t (v) VALUES ('" + v + "')");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
  }

  /** Waits (bounded) until A reports a commit waiting for a semi-sync ACK. */
  private static void awaitWaitingCommit(Connection c) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (Sql.queryLong(c, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE "
          + "VARIABLE_NAME='RPL_SEMI_SYNC_MASTER_WAIT_SESSIONS'") == 1) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    throw new AssertionError("no commit is waiting for a semi-sync ACK on A");
  }

  private static long visible(Connection c, String v) throws Exception {
    return Sql.queryLong(c, "SELECT COUNT(*) FROM d.t WHERE v='" + v + "'");
  }

  @Test
  void aCommitWaitsInvisibleUntilTheSinkConfirmsIt() throws Exception {
    GatedSink[] gate = new GatedSink[1];
    try (Rig rig = new Rig().master(servers).capture(log -> gate[0] = new GatedSink(log))) {
      try (Connection c = Sql.root(rig.a)) {
        Sql.exec(c, "CREATE DATABASE d");
        Sql.exec(c, "CREATE TABLE d.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(40)) ENGINE=InnoDB");
        long acks = rig.capture.acksSent();
        gate[0].close();
        CompletableFuture<Void> insert = insertInBackground(rig, "pending");
        awaitWaitingCommit(c);
        assertEquals(0, visible(c, "pending"), "a waiting commit is invisible to other sessions");
        assertFalse(insert.isDone(), "the commit returned before the sink confirmed it");
        assertEquals(1, gate[0].withheld());
        assertEquals(acks, rig.capture.acksSent(), "no ACK was sent for the unconfirmed transaction");
        assertTrue(rig.log.retained().after().gtids().stream()
            .noneMatch(g -> g.seqNo() > 2), "the log does not have it yet: " + rig.log.retained());
        gate[0].open();
        insert.get(30, TimeUnit.SECONDS);
        assertEquals(1, visible(c, "pending"));
        assertTrue(rig.capture.acksSent() > acks);
      }
    }
  }

  @Test
  void killedWhileWaitingAndRestartedAsSlaveTheUnconfirmedTransactionIsGone() throws Exception {
    GatedSink[] gate = new GatedSink[1];
    try (Rig rig = new Rig().master(servers).capture(log -> gate[0] = new GatedSink(log))) {
      String before;
      try (Connection c = Sql.root(rig.a)) {
        Sql.exec(c, "CREATE DATABASE d");
        Sql.exec(c, "CREATE TABLE d.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(40)) ENGINE=InnoDB");
        Sql.exec(c, "INSERT INTO d.t (v) VALUES ('kept')");
        before = Sql.queryString(c, "SELECT @@gtid_binlog_pos");
        gate[0].close();
        CompletableFuture<Void> insert = insertInBackground(rig, "doomed");
        awaitWaitingCommit(c);
        String during = Sql.queryString(c, "SELECT @@gtid_binlog_pos");
        assertFalse(during.equals(before), "the waiting transaction is already in A's binlog");
        Gtid doomed = Gtid.parse(during);
        rig.capture.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        rig.capture = null;
        rig.a.kill();
        ExecutionException lost = assertThrows(ExecutionException.class, () -> insert.get(30, TimeUnit.SECONDS));
        assertTrue(String.valueOf(lost.getCause()).contains("SQL"), String.valueOf(lost.getCause()));

        rig.a.start("--init-rpl-role=SLAVE");
        try (Connection r = Sql.root(rig.a)) {
          assertEquals(0, visible(r, "doomed"), "the unconfirmed row must not survive the restart");
          assertEquals(1, visible(r, "kept"));
          assertEquals(before, Sql.queryString(r, "SELECT @@gtid_binlog_pos"));
        }
        List<Gtid> inBinlog = new ArrayList<>();
        try (Stream<Path> files = Files.list(rig.a.config().dataDir())) {
          for (Path f : files.filter(p -> p.getFileName().toString().matches("mysql-bin\\.\\d{6}")).sorted()
              .toList()) {
            for (byte[] raw : BinlogFile.read(f)) {
              BinlogEvent e = EventCodec.decode(raw, true);
              if (e.body() instanceof GtidEvent g) {
                inBinlog.add(g.gtid(e.header().serverId()));
              }
            }
          }
        }
        assertTrue(inBinlog.contains(Gtid.parse(before)), inBinlog.toString());
        assertFalse(inBinlog.contains(doomed), "GTID " + doomed + " is still in A's binlog: " + inBinlog);
        assertTrue(rig.log.retained().after().covers(Gtid.parse(before)));
        assertFalse(rig.log.retained().after().covers(doomed), "the log never got the doomed transaction");
      }
    }
  }
}
