package io.paxosql.node.mariadb;

import io.paxosql.config.NodeConfig;
import io.paxosql.config.SecretNames;
import io.paxosql.node.secret.SecretFile;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's own managed MariaDB: always started as a read-only follower with --init-rpl-role=SLAVE
 * (so crash recovery rolls back what was never ACKed), and fenced the same way. Process control runs
 * on worker threads; the returned futures complete on the caller's context.
 */
public final class NodeMariaDb implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeMariaDb.class);
  /** The role option that makes crash recovery roll back and truncate unacknowledged transactions. */
  public static final String FOLLOWER_ROLE = "--init-rpl-role=SLAVE";
  /** Grants for the account our capture and binlog servers use; never written to the binlog. */
  static final String REPLICATION_GRANTS = "REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR";

  private final Vertx vertx;
  private final NodeConfig config;
  private final MariaDbServer server;
  private final MariaDbControl control;
  private final String rootPassword;
  private final String replicationPassword;

  /**
   * Reads this node's root and replication passwords from its data dir, generating them (0600) at the
   * first start. Small file I/O on the caller's thread, once, before anything runs.
   */
  public NodeMariaDb(Vertx vertx, NodeConfig config) {
    // NodeConfigLoader refuses mariadb.mode: attach with its reason; only managed servers reach here.
    this.vertx = vertx;
    this.config = config;
    this.server = new MariaDbServer(serverConfig(config));
    this.rootPassword = SecretFile.readOrCreate(SecretNames.rootPassword(config.dataDir()));
    this.replicationPassword = SecretFile.readOrCreate(SecretNames.replicationPassword(config.dataDir()));
    this.control = new MariaDbControl(vertx, "127.0.0.1", config.mariadb().port(), "root", rootPassword);
  }

  /** The replication account's password on this node (its capture and its replica log in with it). */
  public String replicationPassword() {
    return replicationPassword;
  }

  /** The my.cnf of a node's MariaDB: durable defaults plus follower settings and parallel apply. */
  static MariaDbConfig serverConfig(NodeConfig config) {
    Path base = config.dataDir().resolve("mariadb");
    return MariaDbConfig.builder(base, config.mariadb().port(), config.nodeId())
        .set("read_only", "ON")
        .set("rpl_semi_sync_master_enabled", "OFF")
        // Followers must keep up: the next master serves only after applying everything chosen.
        .set("slave_parallel_threads", "4")
        .set("slave_parallel_mode", "optimistic")
        .set("slave_net_timeout", "10")
        .set("max_allowed_packet", "1G")
        .set("binlog_expire_logs_seconds", "86400")
        // A transaction larger than the cluster carries fails at the client with MariaDB's error 1197.
        .set("max_binlog_cache_size", Long.toString(config.limits().maxTransactionBytes()))
        .set("max_binlog_stmt_cache_size", Long.toString(config.limits().maxTransactionBytes()))
        .build();
  }

  public NodeConfig config() {
    return config;
  }

  public MariaDbControl control() {
    return control;
  }

  public MariaDbServer server() {
    return server;
  }

  public boolean isRunning() {
    return server.isRunning();
  }

  /**
   * Starts MariaDB as a follower: a mariadbd left running by an earlier life of this node is killed
   * first, then the server starts with --init-rpl-role=SLAVE and read_only; before it accepts a
   * connection it sets root's password and (re)creates the replication account ({@link AccountsInitFile}).
   */
  public Future<Void> startAsFollower() {
    return vertx.<Void>executeBlocking(() -> {
      server.killLeftover();
      server.initDataDir();
      startFollower();
      return null;
    }, false);
  }

  /** kill -9 and restart as a follower: prepared, unacknowledged transactions are rolled back. */
  public Future<Void> fence() {
    return vertx.<Void>executeBlocking(() -> {
      server.kill();
      startFollower();
      return null;
    }, false).compose(x -> control.setReadOnly(true));
  }

  /**
   * Starts mariadbd with --init-rpl-role=SLAVE. If it refuses because InnoDB holds prepared transactions
   * behind a binlog marked closed (a shutdown killed after it closed the binlog), the last binlog is
   * marked "in use" again and the server restarted once: its crash recovery then rolls those
   * transactions back and truncates the binlog from the first of them, exactly as after a fence. That
   * is safe for a follower only: what was chosen comes back from the chain (the replica resumes at the
   * truncated binlog position); what was not - a fenced master's unacknowledged writes - must not
   * come back and does not. --tc-heuristic-recover would be wrong here: ROLLBACK keeps the GTIDs in the
   * binlog, so the replica would skip their re-application, and COMMIT would keep unacknowledged writes.
   */
  private void startFollower() throws IOException {
    Path initFile = server.baseDir().resolve("accounts.sql");
    SecretFile.write(initFile, AccountsInitFile.render(rootPassword, config.replication().user(),
        replicationPassword, REPLICATION_GRANTS));
    try {
      startFollower("--init-file=" + initFile);
    } finally {
      // It holds the passwords in clear: it exists only while mariadbd starts.
      Files.deleteIfExists(initFile);
    }
  }

  private void startFollower(String initFile) throws IOException {
    try {
      server.start(FOLLOWER_ROLE, initFile);
    } catch (MariaDbStartException e) {
      if (!e.preparedTransactionsStranded()) {
        throw e;
      }
      Path binlog = BinlogInUseFlag.lastBinlog(server.config().dataDir(), server.config().binlogIndex());
      log.warn("node {}: MariaDB refused to start: it holds prepared transactions behind a binlog marked closed; "
          + "marking {} for crash recovery, which rolls them back and truncates the binlog (the cluster's log "
          + "re-applies what was chosen)", config.nodeId(), binlog);
      BinlogInUseFlag.set(binlog);
      server.start(FOLLOWER_ROLE, initFile);
    }
  }

  /** Clean shutdown (SIGTERM, bounded wait, SIGKILL). */
  public Future<Void> stop() {
    return vertx.executeBlocking(() -> {
      server.stop();
      return null;
    }, false);
  }

  @Override
  public void close() {
    control.close();
  }

  /** MariaDB root's password on this node (dataDir/mariadb-root-password), for local tools like mariadb-backup. */
  public String rootPassword() {
    return rootPassword;
  }
}
