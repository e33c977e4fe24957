package io.paxosql.binlog.server;

import io.paxosql.binlog.log.TransactionLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MySQL-protocol server that real MariaDB replicas follow: it logs them in with the configured
 * replication account and streams the transaction log to each as one virtual binlog.
 */
public final class BinlogServer {
  private static final Logger LOG = LoggerFactory.getLogger(BinlogServer.class);

  private final Vertx vertx;
  private final BinlogServerConfig config;
  private final TransactionLog log;
  private final Map<Long, ReplicaConnection> connections = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong(1000);
  private NetServer server;

  public BinlogServer(Vertx vertx, BinlogServerConfig config, TransactionLog log) {
    this.vertx = vertx;
    this.config = config;
    this.log = log;
  }

  /** Listens; completes with the bound port. */
  public Future<Integer> start() {
    server = vertx.createNetServer(new NetServerOptions().setHost(config.host()).setPort(config.port())
        .setTcpNoDelay(true));
    server.connectHandler(socket -> {
      long id = ids.incrementAndGet();
      ReplicaConnection c = new ReplicaConnection(vertx, this, id, socket);
      connections.put(id, c);
      c.start();
    });
    return server.listen().map(s -> {
      LOG.info("binlog server listening on {}:{}", config.host(), s.actualPort());
      return s.actualPort();
    });
  }

  public Future<Void> stop() {
    connections.values().forEach(ReplicaConnection::kill);
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** Cuts every replica connection, as a network failure would; replicas reconnect by themselves. */
  public void disconnectAll() {
    connections.values().forEach(ReplicaConnection::kill);
  }

  public Set<Long> connectionIds() {
    return Set.copyOf(connections.keySet());
  }

  public int connectionCount() {
    return connections.size();
  }

  BinlogServerConfig config() {
    return config;
  }

  TransactionLog log() {
    return log;
  }

  void removed(long id) {
    connections.remove(id);
  }

  /** KILL from another connection (STOP SLAVE): true when the id was ours. */
  boolean kill(long id) {
    ReplicaConnection c = connections.get(id);
    if (c == null) {
      return false;
    }
    c.kill();
    return true;
  }
}
