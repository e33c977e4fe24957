package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.mariadb.MariaDbServer;
import io.paxosql.testing.MariaDbServers;
import io.paxosql.testing.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sessions the proxy relays without parsing (see ARCHITECTURE.md, Proxy): TLS after an SSLRequest
 * ends at MariaDB, and compressed sessions. Both must work end to end.
 */
class ProxyOpaqueSessionsTest {
  @RegisterExtension static final MariaDbServers SERVERS = new MariaDbServers();
  static MariaDbServer db;
  static ProxyFixture fx;
  static Path certs;

  @BeforeAll
  static void start() throws Exception {
    certs = Files.createTempDirectory(Path.of("/tmp"), "pxtls-");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", certs.resolve("key.pem").toString(),
        "-out", certs.resolve("cert.pem").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl failed: " + out);
    db = SERVERS.start("tls", b -> b.set("ssl_cert", certs.resolve("cert.pem").toString())
        .set("ssl_key", certs.resolve("key.pem").toString()));
    fx = new ProxyFixture(ProxyFixture.settingsFor(db), new MasterRoute.Local("n1"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (fx != null) {
      fx.close();
    }
    try (var files = Files.list(certs)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(certs);
  }

  @Test
  void tlsIsRelayedToMariaDb() throws Exception {
    String url = "jdbc:mariadb://127.0.0.1:" + fx.rw() + "/?user=root&sslMode=trust";
    try (Connection c = DriverManager.getConnection(url)) {
      String cipher = Sql.queryString(c, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"
          + " WHERE VARIABLE_NAME = 'SSL_CIPHER'");
      assertFalse(cipher == null || cipher.isEmpty(), "session is not encrypted");
      List<SessionInfo> sessions = fx.sessions();
      assertEquals(SessionTracker.Phase.OPAQUE, sessions.get(0).phase());
      Sql.exec(c, "CREATE DATABASE IF NOT EXISTS tls_db");
      assertEquals("7", Sql.queryString(c, "SELECT 3 + 4"));
    }
    assertEquals(0.0, fx.anomalies());
  }

  @Test
  void compressedSessionsAreRelayed() throws Exception {
    Process p = new ProcessBuilder("mariadb", "--no-defaults", "-h127.0.0.1", "-P" + fx.ro(),
        "-uroot", "--compress", "--batch", "--skip-column-names", "--skip-ssl",
        "-e", "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS "
            + "WHERE VARIABLE_NAME = 'COMPRESSION'; SELECT REPEAT('ab', 50000)")
        .redirectErrorStream(true).start();
    List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), () -> "mariadb --compress failed: " + lines);
    assertEquals("ON", lines.get(0));
    assertEquals("ab".repeat(50000), lines.get(1));
    assertEquals(0.0, fx.anomalies());
  }
}
