package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.admin.AdminException;
import io.paxosql.node.admin.AdminGuard;
import io.paxosql.node.admin.AdminServer;
import io.paxosql.node.admin.ClusterAdmin;
import io.paxosql.node.secret.SecretFile;
import io.paxosql.testing.FreePorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin CLI against a real admin HTTP server whose cluster behind it is a small fake. */
class AdminCommandTest {
  private Vertx vertx;
  private AdminServer server;
  private int port;
  private final List<List<String>> inits = new ArrayList<>();
  private static final String TOKEN = "0123456789abcdef0123456789abcdef";
  private Path tokenFile;

  private final ClusterAdmin fake = new ClusterAdmin() {
    @Override
    public Future<JsonObject> status() {
      return Future.succeededFuture(new JsonObject().put("master", 2).put("epoch", 7)
          .put("members", new JsonArray().add(new JsonObject().put("id", 1).put("role", "follower"))
              .add(new JsonObject().put("id", 2).put("role", "master"))));
    }

    @Override
    public Future<JsonObject> members() {
      return Future.succeededFuture(new JsonObject().put("members", new JsonArray().add("127.0.0.1:6413")));
    }

    @Override
    public Future<JsonObject> init(List<String> members) {
      if (!inits.isEmpty()) {
        return Future.failedFuture(new AdminException("already-initialised", 409,
            "cluster demo is already initialised with members " + inits.get(0), "nothing to do"));
      }
      inits.add(members);
      return Future.succeededFuture(new JsonObject().put("initialised", true));
    }

    @Override
    public Future<JsonObject> stepDown() {
      throw new IllegalStateException("boom");
    }
  };

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    tokenFile = Files.createTempFile("admin-token", "");
    Files.delete(tokenFile);
    SecretFile.write(tokenFile, TOKEN);
    server = new AdminServer(vertx, fake, new AdminGuard(TOKEN, false, Set.of(), tokenFile.toString()));
    port = server.listen("127.0.0.1", FreePorts.next()).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    Files.deleteIfExists(tokenFile);
  }

  private record Run(int code, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void statusPrintsForPeopleAndForScripts() {
    Run human = run("admin", "--node", "127.0.0.1:" + port, "status");
    assertEquals(0, human.code(), human.err());
    assertTrue(human.out().contains("master: 2"), human.out());
    assertTrue(human.out().contains("  - id: 1"), human.out());
    Run json = run("admin", "--node", "127.0.0.1:" + port, "--json", "status");
    assertEquals(7, new JsonObject(json.out()).getInteger("epoch"));
  }

  @Test
  void initTwiceIsRefusedWithAReasonAndExitOne() {
    String members = "127.0.0.1:6413,127.0.0.1:6423,127.0.0.1:6433";
    assertEquals(0, run("admin", "--node", "127.0.0.1:" + port, "--token-file", tokenFile.toString(), "init", "--members", members).code());
    assertEquals(List.of(List.of("127.0.0.1:6413", "127.0.0.1:6423", "127.0.0.1:6433")), inits);
    Run again = run("admin", "--node", "127.0.0.1:" + port, "--token-file", tokenFile.toString(), "init", "--members", members);
    assertEquals(AdminCommand.EXIT_REFUSED, again.code());
    assertTrue(again.err().contains("error (already-initialised): cluster demo is already initialised"), again.err());
    assertTrue(again.err().contains("what to do: nothing to do"), again.err());
  }

  @Test
  void badMemberListIsAUsageError() {
    Run r = run("admin", "--node", "127.0.0.1:" + port, "--token-file", tokenFile.toString(), "init", "--members",
        "127.0.0.1:6413,nohostport");
    assertEquals(Main.EXIT_USAGE, r.code());
    assertTrue(r.err().contains("--members: 'nohostport' is not HOST:PORT"), r.err());
    assertTrue(inits.isEmpty());
  }

  @Test
  void unreachableNodeIsNamedAndExitsThree() {
    int closed = FreePorts.next();
    Run r = run("admin", "--node", "127.0.0.1:" + closed, "status");
    assertEquals(AdminCommand.EXIT_UNREACHABLE, r.code());
    assertTrue(r.err().contains("cannot reach node 127.0.0.1:" + closed + ": connection refused"), r.err());
    Run bad = run("admin", "--node", "127.0.0.1:99999", "status");
    assertEquals(Main.EXIT_USAGE, bad.code());
    assertTrue(bad.err().contains("port 99999 is not in 1..65535"), bad.err());
  }

  @Test
  void aFailingBackendAnswersAnInternalErrorNotASilentClose() {
    Run r = run("admin", "--node", "127.0.0.1:" + port, "--token-file", tokenFile.toString(), "step-down");
    assertEquals(AdminCommand.EXIT_REFUSED, r.code());
    assertTrue(r.err().contains("error (internal): boom"), r.err());
  }

  @Test
  void malformedInitBodiesAndUnknownPathsGetJsonErrors() throws Exception {
    var client = HttpClient.newHttpClient();
    var resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/init"))
        .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString("{not json")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, resp.statusCode());
    assertEquals("bad-request", new JsonObject(resp.body()).getString("error"));
    resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/init"))
        .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString("{\"members\": [1, 2]}"))
        .build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, resp.statusCode());
    assertTrue(new JsonObject(resp.body()).getString("message").contains("is not a \"host:port\" string"));
    resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/nope")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, resp.statusCode());
    assertEquals("not-found", new JsonObject(resp.body()).getString("error"));
  }

  /** Issue 15: without a token a mutating command is refused by the node, and the CLI says how to send one. */
  @Test
  void aMutatingCommandWithoutATokenIsRefusedWithWhatToPass() throws Exception {
    Run r = run("admin", "--node", "127.0.0.1:" + port, "step-down");
    assertEquals(AdminCommand.EXIT_REFUSED, r.code());
    assertTrue(r.err().contains("error (unauthorized): this request needs the node's admin token"), r.err());
    assertTrue(r.err().contains("what to do: no admin token was sent: pass --token-file FILE"), r.err());
    Run members = run("admin", "--node", "127.0.0.1:" + port, "init", "--members", "127.0.0.1:6413");
    assertEquals(AdminCommand.EXIT_REFUSED, members.code());
    assertTrue(inits.isEmpty(), "a refused init reached the node");

    Path wrong = Files.createTempFile("wrong-token", "");
    Files.delete(wrong);
    SecretFile.write(wrong, "not-the-token");
    Run bad = run("admin", "--node", "127.0.0.1:" + port, "--token-file", wrong.toString(), "step-down");
    assertEquals(AdminCommand.EXIT_REFUSED, bad.code());
    assertTrue(bad.err().contains("the admin token does not match"), bad.err());

    Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-r--r--"));
    Run loose = run("admin", "--node", "127.0.0.1:" + port, "--token-file", wrong.toString(), "step-down");
    assertEquals(2, loose.code());
    assertTrue(loose.err().contains("may be read by other users (mode rw-r--r--): run chmod 600"), loose.err());
    Files.delete(wrong);
    Run missing = run("admin", "--node", "127.0.0.1:" + port, "--token-file", wrong.toString(), "step-down");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("does not exist"), missing.err());

    Run noNode = run("admin", "status");
    assertEquals(2, noNode.code());
    assertTrue(noNode.err().contains("say which node to ask: --node HOST:ADMINPORT, or --config"), noNode.err());

    // Reads stay open by default.
    assertEquals(0, run("admin", "--node", "127.0.0.1:" + port, "status").code());
  }
}
