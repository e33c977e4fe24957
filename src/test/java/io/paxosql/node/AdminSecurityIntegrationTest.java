package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.cli.Main;
import io.paxosql.config.SecretNames;
import io.paxosql.node.role.NodeRole;
import io.paxosql.testing.Retry;
import io.paxosql.testing.Sql;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 on three real nodes: the admin port refuses mutating calls without the token (401) and from
 * a foreign Origin (403) and changes nothing then; with the token (by HTTP and by the CLI's
 * --token-file) they work; MariaDB root is refused without its password through the RW and RO ports.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class AdminSecurityIntegrationTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private ClusterHarness cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private HttpResponse<String> post(int id, String path, JsonObject body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + cluster.configs.get(id - 1).ports().admin() + path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject members() {
    JsonArray members = new JsonArray();
    cluster.configs.get(0).members().forEach(m -> members.add(m.host() + ":" + m.paxos()));
    return new JsonObject().put("members", members);
  }

  @Test
  void mutatingCallsNeedTheTokenAndAnOwnOriginAndRootNeedsItsPassword() throws Exception {
    cluster = new ClusterHarness(3);
    cluster.startAll();
    String bearer = "Bearer " + cluster.layout.adminToken();

    HttpResponse<String> r = post(1, "/init", members());
    assertEquals(401, r.statusCode(), r.body());
    assertEquals("unauthorized", new JsonObject(r.body()).getString("error"));
    r = post(2, "/init-peer", members());
    assertEquals(401, r.statusCode(), "a peer route that changes something is no open door: " + r.body());
    r = post(1, "/init", members(), "Authorization", "Bearer wrong", "Origin", "http://127.0.0.1:1");
    assertEquals(403, r.statusCode(), r.body());
    r = post(1, "/init", members(), "Authorization", bearer, "Origin", "http://evil.example");
    assertEquals(403, r.statusCode(), "the right token from a foreign page is still refused: " + r.body());
    assertEquals("foreign-origin", new JsonObject(r.body()).getString("error"));
    for (int id = 1; id <= 3; id++) {
      assertFalse(cluster.node(id).initialised(), "node " + id + " was initialised by a refused call");
    }

    r = post(1, "/init", members(), "Authorization", bearer);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("initialised", new JsonObject(r.body()).getJsonObject("peers").getString("2"),
        "init reached the peers with the shared token: " + r.body());
    int master = cluster.awaitMaster(Duration.ofSeconds(60));
    long epoch = cluster.node(master).chain().state().epoch();

    r = post(master, "/step-down", new JsonObject());
    assertEquals(401, r.statusCode(), r.body());
    r = post(master, "/step-down", new JsonObject(), "Authorization", bearer, "Origin", "http://evil.example");
    assertEquals(403, r.statusCode(), r.body());
    assertEquals(NodeRole.MASTER, cluster.node(master).role(), "a refused step-down changed nothing");
    assertEquals(epoch, cluster.node(master).chain().state().epoch());

    // The CLI: no token gives a clear message; --token-file works.
    String adminAddress = "127.0.0.1:" + cluster.configs.get(master - 1).ports().admin();
    Cli none = cli("admin", "--node", adminAddress, "step-down");
    assertEquals(1, none.code());
    assertTrue(none.err().contains("needs the node's admin token") && none.err().contains("--token-file"),
        none.err());
    assertEquals(NodeRole.MASTER, cluster.node(master).role());
    Cli ok = cli("admin", "--node", adminAddress, "--token-file",
        SecretNames.adminToken(cluster.configs.get(master - 1).dataDir()).toString(), "step-down");
    assertEquals(0, ok.code(), ok.err());
    Retry.waitFor("a master of a new epoch after step-down", Duration.ofSeconds(60), () -> cluster.master()
        .filter(m -> cluster.node(m).chain().state().epoch() > epoch).isPresent());
    // Node 1's RW port must know the new master before the password checks below, else it answers
    // "no master" instead of MariaDB's "Access denied" (seen in CI right after the step-down).
    cluster.awaitRoutesTo(cluster.master().orElseThrow(), Duration.ofSeconds(30));

    // Root: refused without its password (or with another one) through the RW and RO ports.
    for (int id = 1; id <= 3; id++) {
      for (String password : new String[] {"", "not-the-password"}) {
        SQLException rw = assertThrows(SQLException.class, () -> connect(cluster.configs.get(0).ports().rw(), password));
        assertTrue(rw.getMessage().contains("Access denied"), rw.getMessage());
        int ro = cluster.configs.get(id - 1).ports().ro();
        SQLException e = assertThrows(SQLException.class, () -> connect(ro, password));
        assertTrue(e.getMessage().contains("Access denied"), e.getMessage());
      }
    }
    try (Connection c = cluster.rw(1)) {
      assertEquals("1", Sql.queryString(c, "SELECT 1"), "with its password root gets through the RW port");
    }
  }

  private static Connection connect(int port, String password) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/?connectTimeout=5000&socketTimeout=20000",
        "root", password);
  }

  private record Cli(int code, String out, String err) {}

  private static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Cli(code, out.toString(), err.toString());
  }
}
