package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.node.mariadb.MariaDbControl;
import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.status.EventJournal;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A new master's capture logs in while the replica check is reading MariaDB's processlist: its dump must not
 * count as a foreign replica. Real MariaDB (semi-sync master) and a real capture. The check's look is held
 * behind the control's two pooled connections, busy in MASTER_GTID_WAIT, while the capture logs in and
 * starts its dump: the order a loaded machine gave once right after a promotion ("only-us breach
 * (foreign-replica)" 0.3 s after it, AdminSecurityIntegrationTest at load ~25). Fails when the capture's ids
 * are read before the processlist.
 */
@Timeout(120)
class ForeignReplicaWatchIntegrationTest {
  static final String REPL_USER = "repl";
  static final String REPL_PASSWORD = "replpw";
  @RegisterExtension final MariaDbServers servers = new MariaDbServers();
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void aCaptureLoggingInWhileTheProcesslistIsReadIsNotAForeignReplica() throws Exception {
    MariaDbServer a = servers.start("a", b -> b.set("rpl_semi_sync_master_enabled", "ON")
        .set("rpl_semi_sync_master_wait_point", "AFTER_SYNC").set("rpl_semi_sync_master_timeout", "4000000000"));
    try (Connection c = Sql.root(a)) {
      Sql.exec(c, "SET SESSION sql_log_bin=0");
      Sql.exec(c, "CREATE USER '" + REPL_USER + "'@'127.0.0.1' IDENTIFIED BY '" + REPL_PASSWORD + "'");
      Sql.exec(c, "GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO '" + REPL_USER
          + "'@'127.0.0.1'");
    }
    Context ctx = vertx.getOrCreateContext();
    MariaDbControl control = new MariaDbControl(vertx, "127.0.0.1", a.port(), "root", "");
    Capture capture = new Capture(vertx, CaptureConfig.of("127.0.0.1", a.port(), REPL_USER, REPL_PASSWORD, 4001,
        GtidState.EMPTY), tx -> Future.succeededFuture());
    ForeignReplicaWatch watch = new ForeignReplicaWatch(1, REPL_USER, control, capture::ownConnectionIds,
        capture::semiSync, new EventJournal(1), new SimpleMeterRegistry());

    // Both pooled connections wait 8 s for a GTID that never comes; the check's look queues behind them.
    for (int i = 0; i < 2; i++) {
      ctx.runOnContext(v -> control.waitForGtid("0-1-999999", Duration.ofSeconds(8)));
    }
    Retry.waitFor("both control connections busy", Duration.ofSeconds(30), () -> processlistCount(a, "MASTER_GTID_WAIT") == 2);
    CompletableFuture<Optional<OnlyUsBreach>> verdict = new CompletableFuture<>();
    // PROMOTING: judged as a master (a foreign dump is a breach) without the settings check, which this
    // server's config (not the node's semi-sync timeout) would fail.
    ctx.runOnContext(v -> watch.check(NodeRole.PROMOTING).onComplete((r, e) -> {
      if (e != null) {
        verdict.completeExceptionally(e);
      } else {
        verdict.complete(r);
      }
    }));
    // Meanwhile the capture logs in and asks for its dump.
    capture.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Retry.waitFor("the capture's dump running", Duration.ofSeconds(30), () -> processlistCount(a, "Binlog Dump") == 1);
    assertTrue(!verdict.isDone(), "the check's look was not held back: the test shows nothing");
    Optional<OnlyUsBreach> found = verdict.get(30, TimeUnit.SECONDS);
    assertEquals(Optional.empty(), found.map(OnlyUsBreach::toString), "the capture's own dump taken for a foreign one");
    capture.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    control.close();
  }

  /** Connections whose command or statement contains {@code what} (SHOW FULL PROCESSLIST, as root). */
  private static int processlistCount(MariaDbServer a, String what) {
    int n = 0;
    try (Connection c = Sql.root(a); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW FULL PROCESSLIST")) {
      while (rs.next()) {
        String cmd = String.valueOf(rs.getString("Command"));
        String info = String.valueOf(rs.getString("Info"));
        if (cmd.startsWith(what) || info.contains(what)) {
          n++;
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("SHOW FULL PROCESSLIST on " + a.port() + " failed", e);
    }
    return n;
  }
}
