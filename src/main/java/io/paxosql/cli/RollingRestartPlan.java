package io.paxosql.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The decisions of a rolling restart, read from a node's {@code GET /status} answer: whether it may begin,
 * in which order the members go (followers by id, the master last, so writes stop for one failover only),
 * and whether a restarted member is back. Pure: the command does the I/O.
 */
final class RollingRestartPlan {
  private RollingRestartPlan() {}

  /** One member as the plan needs it. */
  record Member(int id, String host, String role, boolean reachable, long lagMs, boolean diverged) {
    static Member of(JsonObject m) {
      return new Member(m.getInteger("id", -1), m.getString("host", "?"), m.getString("role", "UNKNOWN"),
          m.getBoolean("reachable", false), m.getLong("lagMs", 0L), m.getBoolean("diverged", false));
    }
  }

  static List<Member> members(JsonObject status) {
    JsonArray arr = status.getJsonArray("members", new JsonArray());
    List<Member> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      out.add(Member.of(arr.getJsonObject(i)));
    }
    out.sort(Comparator.comparingInt(Member::id));
    return out;
  }

  /** Why the restart must not begin (or go on to the next member); empty when every member is healthy. */
  static List<String> problems(JsonObject status, long maxLagMs) {
    List<String> problems = new ArrayList<>();
    if (!status.getBoolean("initialised", false)) {
      problems.add("the cluster is not initialised (run admin init first)");
    }
    Integer master = status.getInteger("master");
    if (master == null) {
      problems.add("there is no master right now (an election may be running; retry in a few seconds)");
    }
    for (Member m : members(status)) {
      if (!m.reachable()) {
        problems.add("node " + m.id() + " (" + m.host() + ") is unreachable: restarting another member could"
            + " leave no majority; bring it back first");
      } else if (m.diverged()) {
        problems.add("node " + m.id() + " is DIVERGED: rebuild it before a rolling restart");
      } else if (!"FOLLOWER".equals(m.role()) && !"MASTER".equals(m.role())) {
        problems.add("node " + m.id() + " is " + m.role() + ", not serving: wait until it is FOLLOWER");
      } else if (m.lagMs() > maxLagMs) {
        problems.add("node " + m.id() + "'s MariaDB is " + m.lagMs() + " ms behind the cluster (more than "
            + maxLagMs + " ms): wait until it has caught up");
      }
    }
    return problems;
  }

  /** The restart order: followers by id, then the master. */
  static List<Integer> order(JsonObject status) {
    Integer master = status.getInteger("master");
    List<Integer> order = new ArrayList<>();
    for (Member m : members(status)) {
      if (master == null || m.id() != master) {
        order.add(m.id());
      }
    }
    if (master != null) {
      order.add(master);
    }
    return order;
  }

  /** Empty when node {@code id} is back: reachable, a FOLLOWER or MASTER, caught up; else what it still lacks. */
  static Optional<String> notBackYet(JsonObject status, int id, long maxLagMs) {
    Optional<Member> m = members(status).stream().filter(x -> x.id() == id).findFirst();
    if (m.isEmpty()) {
      return Optional.of("node " + id + " is not in the member list");
    }
    Member x = m.get();
    if (!x.reachable()) {
      return Optional.of("node " + id + " does not answer yet");
    }
    if (!"FOLLOWER".equals(x.role()) && !"MASTER".equals(x.role())) {
      return Optional.of("node " + id + " is " + x.role());
    }
    if (x.lagMs() > maxLagMs) {
      return Optional.of("node " + id + " is " + x.lagMs() + " ms behind");
    }
    if (status.getInteger("master") == null) {
      return Optional.of("no master yet");
    }
    return Optional.empty();
  }

  /** The operator's command with {id} and {host} filled in for one member. */
  static String command(String template, Member m) {
    return template.replace("{id}", Integer.toString(m.id())).replace("{host}", m.host());
  }
}
