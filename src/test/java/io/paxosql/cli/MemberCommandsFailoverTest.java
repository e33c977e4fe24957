package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * add-member whose master lost its lease while the add ran (seen in MembershipIntegrationTest under load): the
 * new master knows nothing of the command, yet the old one finished it. The CLI judges the command by the
 * cluster's status then, instead of failing an add that succeeded. Real admin HTTP server, fake cluster behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemberCommandsFailoverTest {
  private static final String TOKEN = "0123456789abcdef0123456789abcdef";
  private Vertx vertx;
  private int port;
  /** /status calls so far: node 4 shows as a voting FOLLOWER from the second on. */
  private final AtomicInteger statusCalls = new AtomicInteger();

  private final ClusterAdmin cluster = new ClusterAdmin() {
    @Override
    public Future<JsonObject> status() {
      boolean votes = statusCalls.incrementAndGet() >= 2;
      JsonArray voting = new JsonArray(votes ? List.of(1, 2, 3, 4) : List.of(1, 2, 3));
      return Future.succeededFuture(new JsonObject().put("master", 1).put("voting", voting).put("members",
          new JsonArray().add(new JsonObject().put("id", 1).put("role", "MASTER").put("membership", "voting")
                  .put("initialised", true))
              .add(new JsonObject().put("id", 4).put("role", "FOLLOWER").put("membership", votes ? "voting" : "learner")
                  .put("initialised", votes))));
    }

    @Override
    public Future<JsonObject> members() {
      return Future.succeededFuture(new JsonObject());
    }

    @Override
    public Future<JsonObject> init(List<String> members) {
      return Future.succeededFuture(new JsonObject());
    }

    @Override
    public Future<JsonObject> stepDown() {
      return Future.succeededFuture(new JsonObject());
    }
  };

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    AdminServer server = new AdminServer(vertx, cluster, new AdminGuard(TOKEN, false, Set.of(), "token file"));
    // The master that took the add, then (at the first progress call) a new master that never ran it.
    server.router().post("/members/add").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("operation", "add-member 4").put("phase", "announcing").encode()));
    server.router().get("/members/progress").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("operation", "").put("phase", "none").encode()));
    port = server.listen("127.0.0.1", FreePorts.next()).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void anAddFinishedByAMasterThatLostItsLeaseSucceedsOnceTheNewNodeVotes() throws Exception {
    Path token = Files.createTempFile("admin-token", "");
    Files.delete(token);
    try {
      SecretFile.write(token, TOKEN);
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), "admin", "--node",
          "127.0.0.1:" + port, "--token-file", token.toString(), "add-member", "--id", "4", "--host", "127.0.0.1",
          "--paxos", "1", "--internal", "2", "--admin", "3");
      assertEquals(0, code, "out: " + out + "\nerr: " + err);
      assertTrue(out.toString().contains("the master changed while 'add-member 4' ran"), out.toString());
      assertTrue(out.toString().contains("node 4 is a voting FOLLOWER"), out.toString());
      assertTrue(statusCalls.get() >= 2, "judged by the cluster's status");
    } finally {
      Files.deleteIfExists(token);
    }
  }
}
