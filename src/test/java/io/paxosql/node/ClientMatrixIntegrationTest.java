package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.paxosql.testing.Retry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The clients people use, through a follower's RW port of a real cluster: each connects, runs prepared
 * statements and commits in a loop; then the master is killed (kill -9 of its node and its mariadbd) and
 * each must see an error it can retry and then commit again. Every commit a client saw acknowledged must be
 * on every surviving node. What each client saw is written to target/client-matrix.md (README's table).
 */
class ClientMatrixIntegrationTest {
  private static final Path CLIENTS = Path.of("src/test/clients").toAbsolutePath();
  private static final String USER = "app";
  private static final String PASSWORD = "client-matrix-pw";
  private static final int RUN_SECONDS = 150;

  @Test
  @Timeout(420)
  void everyClientCommitsRetriesThroughAFailoverAndLosesNothing() throws Exception {
    assumeTrue(Files.isDirectory(CLIENTS.resolve("node_modules/mysql2")),
        "mysql2 is not installed under src/test/clients: run make deps (it runs npm ci there)");
    List<ClientLoop> clients = List.of(
        ClientLoop.mariadbCli("mariadb-cli"),
        ClientLoop.jdbc("mariadb-connector-j", "jdbc:mariadb://",
            "?useServerPrepStmts=true&connectTimeout=3000&socketTimeout=15000"),
        ClientLoop.jdbc("mysql-connector-j", "jdbc:mysql://",
            "?useServerPrepStmts=true&sslMode=DISABLED&allowPublicKeyRetrieval=true&connectTimeout=3000"
                + "&socketTimeout=15000"),
        ClientLoop.program("pymysql", () -> List.of("/usr/bin/python3", CLIENTS.resolve("pymysql_client.py").toString()), CLIENTS),
        ClientLoop.program("mysql2", () -> List.of("node", CLIENTS.resolve("mysql2_client.js").toString()), CLIENTS),
        ClientLoop.vertx("vertx-mysql-client"));
    try (ClusterHarness cluster = new ClusterHarness(3)) {
      int master = cluster.bootstrap(
          "CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "'",
          "GRANT ALL ON t.* TO '" + USER + "'@'%'",
          "CREATE DATABASE t",
          "CREATE TABLE t.c (client VARCHAR(32) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (client, id))");
      int via = master % 3 + 1;
      int port = cluster.configs.get(via - 1).ports().rw();
      for (ClientLoop c : clients) {
        c.start("127.0.0.1", port, USER, PASSWORD, RUN_SECONDS);
      }
      Retry.until("every client committing before the failover", Duration.ofSeconds(90), () -> {
        for (ClientLoop c : clients) {
          if (c.acked().size() < 3) {
            throw new IllegalStateException(c.name + " has " + c.acked().size() + " commits; last lines: " + tail(c));
          }
        }
        return true;
      });
      cluster.crash(master);
      for (ClientLoop c : clients) {
        assertTrue(c.await(RUN_SECONDS + 30), c.name + " was still running at its deadline; last lines: " + tail(c));
      }
      List<String> table = new ArrayList<>();
      table.add("| client | commits | what it saw at the failover (first error) | commits after it |");
      table.add("|---|---|---|---|");
      for (ClientLoop c : clients) {
        table.add("| " + c.name + " | " + c.acked().size() + " | "
            + (c.errors().isEmpty() ? "(none)" : c.errors().get(0).replace("|", "\\|")) + " | " + c.acksAfterFirstError() + " |");
      }
      Files.createDirectories(Path.of("target"));
      Files.write(Path.of("target/client-matrix.md"), table);
      table.forEach(System.out::println);
      for (ClientLoop c : clients) {
        assertTrue(!c.errors().isEmpty(), c.name + " never saw the failover; lines: " + tail(c));
        assertTrue(c.acksAfterFirstError() >= ClientLoop.ACKS_AFTER_ERROR,
            c.name + " did not commit again after the failover; last lines: " + tail(c));
      }
      for (int id = 1; id <= 3; id++) {
        if (id == master) {
          continue;
        }
        int node = id;
        Retry.until("node " + node + " holding every acknowledged commit", Duration.ofSeconds(60), () -> {
          Set<String> have = rows(cluster, node);
          for (ClientLoop c : clients) {
            for (long a : c.acked()) {
              if (!have.contains(c.name + "/" + a)) {
                throw new IllegalStateException("node " + node + " lacks " + c.name + "'s acknowledged id " + a);
              }
            }
          }
          return true;
        });
      }
    }
  }

  private static Set<String> rows(ClusterHarness cluster, int id) throws Exception {
    Set<String> out = new HashSet<>();
    try (Connection c = cluster.direct(id); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT client, id FROM t.c")) {
      while (rs.next()) {
        out.add(rs.getString(1) + "/" + rs.getLong(2));
      }
    }
    return out;
  }

  private static String tail(ClientLoop c) {
    List<String> l = c.lines;
    return l.subList(Math.max(0, l.size() - 6), l.size()).toString();
  }
}
