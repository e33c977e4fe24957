package io.paxosql.cli;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.capture.Capture;
import io.paxosql.binlog.capture.CaptureConfig;
import io.paxosql.binlog.log.InMemoryTransactionLog;
import io.paxosql.binlog.server.BinlogServer;
import io.paxosql.binlog.server.BinlogServerConfig;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Capture → in-memory log (confirmed at once) → binlog server, standalone: what
 * bench/binlog-sysbench.sh measures against MariaDB's own semi-sync. Hidden: a benchmark tool.
 */
@Command(name = "relay", hidden = true, mixinStandardHelpOptions = true,
    description = "Relay a semi-sync master's binlog through the capture and binlog server (benchmarks).")
final class RelayCommand implements Callable<Integer> {
  @Option(names = "--master-port", required = true, description = "The master MariaDB's port on 127.0.0.1.")
  int masterPort;
  @Option(names = "--master-user", defaultValue = "repl") String masterUser;
  @Option(names = "--master-password", defaultValue = "") String masterPassword;
  @Option(names = "--capture-server-id", defaultValue = "4001") long captureServerId;
  @Option(names = "--start-gtid", defaultValue = "", description = "GTID position to stream the master from.")
  String startGtid;
  @Option(names = "--listen-port", required = true, description = "Port of the binlog server replicas follow.")
  int listenPort;
  @Option(names = "--relay-user", defaultValue = "relay") String relayUser;
  @Option(names = "--relay-password", defaultValue = "relaypw") String relayPassword;
  @Option(names = "--server-id", defaultValue = "4002", description = "Server id of the binlog server's own events.")
  long serverId;

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx();
    InMemoryTransactionLog log = new InMemoryTransactionLog();
    BinlogServer server = new BinlogServer(vertx, new BinlogServerConfig("127.0.0.1", listenPort, relayUser,
        relayPassword, serverId, 0, "paxosql-bin", 1L << 30), log);
    server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Capture capture = new Capture(vertx, CaptureConfig.of("127.0.0.1", masterPort, masterUser, masterPassword,
        captureServerId, GtidState.parse(startGtid)), log::append);
    capture.start();
    System.err.println("relay: capturing 127.0.0.1:" + masterPort + ", binlog server on 127.0.0.1:" + listenPort
        + "; Ctrl-C to stop");
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      capture.stop();
      server.stop();
      System.err.println("relay: " + capture.transactions() + " transactions, " + capture.acksSent() + " ACKs, log "
          + log.retained());
      stop.countDown();
    }));
    stop.await();
    return 0;
  }
}
