package io.paxosql.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RollingRestartPlanTest {
  private static JsonObject member(int id, String role, boolean reachable, long lagMs) {
    return new JsonObject().put("id", id).put("host", "10.0.0." + id).put("role", role)
        .put("reachable", reachable).put("lagMs", lagMs).put("diverged", "DIVERGED".equals(role));
  }

  private static JsonObject status(Integer master, JsonObject... members) {
    return new JsonObject().put("initialised", true).put("master", master).put("members", new JsonArray(List.of(members)));
  }

  @Test
  void followersGoFirstByIdAndTheMasterLast() {
    JsonObject s = status(2, member(3, "FOLLOWER", true, 0), member(2, "MASTER", true, 0), member(1, "FOLLOWER", true, 0));
    assertEquals(List.of(1, 3, 2), RollingRestartPlan.order(s));
    assertEquals(List.of(), RollingRestartPlan.problems(s, 2000));
  }

  @Test
  void refusesWhileAMemberIsUnreachableDivergedLaggingOrNotServing() {
    JsonObject s = status(1, member(1, "MASTER", true, 0), member(2, "FOLLOWER", false, 0),
        member(3, "DIVERGED", true, 0), member(4, "FOLLOWER", true, 5000), member(5, "STARTING", true, 0));
    List<String> p = RollingRestartPlan.problems(s, 2000);
    assertEquals(4, p.size(), p.toString());
    assertTrue(p.get(0).contains("node 2") && p.get(0).contains("unreachable"), p.get(0));
    assertTrue(p.get(1).contains("node 3") && p.get(1).contains("DIVERGED"), p.get(1));
    assertTrue(p.get(2).contains("node 4") && p.get(2).contains("5000 ms"), p.get(2));
    assertTrue(p.get(3).contains("node 5") && p.get(3).contains("STARTING"), p.get(3));
  }

  @Test
  void refusesWithoutAMasterOrBeforeInit() {
    JsonObject s = status(null, member(1, "FOLLOWER", true, 0)).put("initialised", false);
    List<String> p = RollingRestartPlan.problems(s, 2000);
    assertTrue(p.stream().anyMatch(x -> x.contains("not initialised")), p.toString());
    assertTrue(p.stream().anyMatch(x -> x.contains("no master")), p.toString());
  }

  @Test
  void aRestartedMemberIsBackOnlyWhenServingAndCaughtUp() {
    assertEquals(Optional.of("node 2 does not answer yet"),
        RollingRestartPlan.notBackYet(status(1, member(1, "MASTER", true, 0), member(2, "FOLLOWER", false, 0)), 2, 2000));
    assertEquals(Optional.of("node 2 is STARTING"),
        RollingRestartPlan.notBackYet(status(1, member(1, "MASTER", true, 0), member(2, "STARTING", true, 0)), 2, 2000));
    assertEquals(Optional.of("node 2 is 9000 ms behind"),
        RollingRestartPlan.notBackYet(status(1, member(1, "MASTER", true, 0), member(2, "FOLLOWER", true, 9000)), 2, 2000));
    assertEquals(Optional.empty(),
        RollingRestartPlan.notBackYet(status(1, member(1, "MASTER", true, 0), member(2, "FOLLOWER", true, 10)), 2, 2000));
  }

  @Test
  void fillsTheCommandTemplate() {
    RollingRestartPlan.Member m = RollingRestartPlan.Member.of(member(3, "FOLLOWER", true, 0));
    assertEquals("ssh root@10.0.0.3 systemctl restart paxosql # 3",
        RollingRestartPlan.command("ssh root@{host} systemctl restart paxosql # {id}", m));
  }
}
