package io.paxosql.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.config.NodeConfig;
import io.paxosql.config.SecretNames;
import io.paxosql.node.admin.AdminException;
import io.paxosql.node.admin.PeerClient;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.status.TransferProgress;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership commands, run on the master: add a member (a learner that catches up from the log and
 * then votes), remove one, replace one. Who votes changes only through the Paxos log
 * ({@code ReplicatedLog.changeMembership}); addresses go to every member's {@link MemberDirectory}.
 * One command at a time. An add that fails is rolled back: the change is proposed away again if it was
 * chosen, and the address is dropped everywhere.
 */
final class MembershipChanges {
  private static final Logger log = LoggerFactory.getLogger(MembershipChanges.class);
  /** paxosql keeps at least this many voters, so one failure still leaves a majority that can also lose a node's disk. */
  static final int MIN_VOTERS = 3;
  private static final long POLL_MS = 500;
  private static final long IN_FORCE_TIMEOUT_MS = 30_000;
  private static final long FOLLOWER_TIMEOUT_MS = 120_000;
  private static final long JOINER_SILENT_MS = 15_000;
  private static final long LOG_EVERY_MS = 5_000;
  /** A learner within this many instances of the master votes: it learns the rest as a voter. */
  static final long CAUGHT_UP_INSTANCES = 256;

  private final ClusterNode node;
  private final Vertx vertx;
  private final PeerAdmin peers;
  private ChangeProgress progress;

  MembershipChanges(ClusterNode node, PeerAdmin peers) {
    this.node = node;
    this.vertx = node.vertx();
    this.peers = peers;
    registerGauges(node.registry(), Integer.toString(node.config().nodeId()));
  }

  /** The running or last add's catch-up, for /metrics (0 when none ran). */
  private void registerGauges(MeterRegistry registry, String id) {
    Gauge.builder("paxosql.member.change.bytes", this, c -> c.progress == null ? 0 : c.progress.bytes()).tag("node", id)
        .description("Paxos log bytes a joiner replayed since the membership command began (estimated)")
        .register(registry);
    Gauge.builder("paxosql.member.change.total.bytes", this, c -> c.progress == null ? 0 : c.progress.totalBytes())
        .tag("node", id).description("what the joiner replayed plus what it still lacks").register(registry);
    Gauge.builder("paxosql.member.change.percent", this, c -> c.progress == null ? 0 : Math.max(0, c.progress.percent()))
        .tag("node", id).register(registry);
    Gauge.builder("paxosql.member.change.rate.bytes", this, c -> c.progress == null ? 0 : c.progress.rateBytesPerSec())
        .tag("node", id).description("bytes per second the joiner replays lately").register(registry);
    Gauge.builder("paxosql.member.change.eta.seconds", this, c -> c.progress == null ? -1 : c.progress.etaSeconds())
        .tag("node", id).register(registry);
    Gauge.builder("paxosql.member.change.behind.instances", this,
        c -> c.progress == null ? 0 : c.progress.joinerBehindInstances()).tag("node", id).register(registry);
  }

  /** The running or last command's progress; on the node's context. */
  JsonObject progress() {
    return progress == null ? new JsonObject().put("operation", "").put("phase", "none")
        .put("message", "no membership command ran on this node since it started")
        : progress.toJson(System.currentTimeMillis());
  }

  // ---- add ------------------------------------------------------------------------------------------

  /**
   * Checks the request and the joiner, then runs the add in the background; the future completes once
   * the checks passed (the command then shows progress), or fails with the refusal.
   */
  Future<JsonObject> add(NodeConfig.Member joiner, long timeoutMs) {
    return checkIdle("add-member " + joiner.id()).compose(x -> checkNewId(joiner.id())
        .compose(y -> checkJoiner(joiner))
        .map(joinerStatus -> {
          runAdd(joiner, timeoutMs).onComplete(ar -> finish(ar.cause()));
          return progress();
        })
        .onFailure(this::finish));
  }

  private Future<Void> runAdd(NodeConfig.Member joiner, long timeoutMs) {
    return announce(joiner)
        .compose(x -> catchUp(joiner, timeoutMs))
        .compose(x -> vote(joiner))
        .compose(x -> awaitFollower(joiner))
        .recover(e -> rollBackAdd(joiner, e));
  }

  private Future<Void> announce(NodeConfig.Member joiner) {
    progress = progress.phase("announcing", "telling every member where node " + joiner.id() + " is");
    MemberDirectory dir = node.directory();
    dir.put(joiner);
    node.directoryChanged();
    List<Future<JsonObject>> calls = new ArrayList<>();
    for (NodeConfig.Member m : dir.all()) {
      if (m.id() != node.config().nodeId() && m.id() != joiner.id()) {
        calls.add(peers.post(m, "/membership/peer", new JsonObject().put("put", MemberDirectory.toJson(joiner)))
            .onFailure(e -> log.warn("member {} did not take node {}'s address ({}); it asks the members once "
                + "it sees node {} vote", m.id(), joiner.id(), e.getMessage(), joiner.id())));
      }
    }
    calls.add(peers.post(joiner, "/membership/peer", new JsonObject().put("merge", node.membership())));
    return Future.join(calls).transform(ar -> calls.get(calls.size() - 1).succeeded() ? Future.succeededFuture()
        : Future.failedFuture("node " + joiner.id() + " did not take the member list: "
            + calls.get(calls.size() - 1).cause().getMessage() + tokenHint(joiner, calls.get(calls.size() - 1).cause())));
  }

  /** A joiner that made its own admin token at its first start refuses the members' calls: say what to do. */
  private String tokenHint(NodeConfig.Member joiner, Throwable cause) {
    if (cause instanceof PeerClient.Refusal r && r.status() == 401) {
      return "; the members call each other with one admin token: copy a member's dataDir/"
          + SecretNames.ADMIN_TOKEN + " to node " + joiner.id() + "'s data dir (mode 0600), restart node "
          + joiner.id() + " and add it again";
    }
    return "";
  }

  private Future<Void> catchUp(NodeConfig.Member joiner, long timeoutMs) {
    progress = progress.phase("catching-up", "node " + joiner.id() + " replays the Paxos log as a learner");
    long deadline = System.currentTimeMillis() + timeoutMs;
    // It must at least reach what was chosen when it was announced; later values it may learn as a voter.
    long target = node.replicatedLog().chosenBelow();
    long[] lastHeard = {System.currentTimeMillis()};
    long[] lastSample = {System.currentTimeMillis()};
    long[] lastLogged = {0};
    String[] lastCause = {"none"};
    return poll(() -> peers.get(joiner, "/local").transform(ar -> {
      long now = System.currentTimeMillis();
      if (ar.failed()) {
        lastCause[0] = ar.cause().getMessage();
        if (now - lastHeard[0] > JOINER_SILENT_MS) {
          return Future.failedFuture("node " + joiner.id() + " stopped answering while catching up (" + lastCause[0]
              + ")");
        }
        return Future.succeededFuture(false);
      }
      lastHeard[0] = now;
      JsonObject st = ar.result();
      long masterBelow = node.replicatedLog().chosenBelow();
      long joinerBelow = st.getLong("chosenBelow", 0L);
      long behind = Math.max(0, masterBelow - joinerBelow);
      var rl = node.replicatedLog();
      double perInstance = rl.storage().heldBytes() / (double) Math.max(1, rl.chosenBelow() - rl.firstRetained());
      progress = progress.sample(joinerBelow, masterBelow, perInstance, (now - lastSample[0]) / 1000.0);
      lastSample[0] = now;
      node.transfer().set(new TransferProgress("add-member catch-up", "the Paxos log", progress.bytes(),
          progress.totalBytes(), progress.rateBytesPerSec()));
      if (now - lastLogged[0] >= LOG_EVERY_MS) {
        lastLogged[0] = now;
        log.info("{}: node {} catches up: {}", progress.operation(), joiner.id(), progress.describe());
      }
      boolean applied = st.getBoolean("mariadbRunning", false) && st.getLong("lagTransactions", Long.MAX_VALUE) <= 100;
      return Future.succeededFuture(joinerBelow >= target && behind <= CAUGHT_UP_INSTANCES && applied);
    }), deadline, () -> "node " + joiner.id() + " did not catch up within " + timeoutMs / 1000 + " s (it is "
        + progress.joinerBehindInstances() + " instances behind, last problem: " + lastCause[0] + ")");
  }

  private Future<Void> vote(NodeConfig.Member joiner) {
    progress = progress.phase("voting", "proposing node " + joiner.id() + " as a voting member");
    // Once it votes the lease needs its grants (with a member down, every live one's): the link to it must
    // be open before, or the master may lose its lease while the link is set up.
    return poll(() -> node.replicatedLog().linkedTo(joiner.id()), System.currentTimeMillis() + IN_FORCE_TIMEOUT_MS,
        () -> "the master's Paxos link to node " + joiner.id() + " at " + joiner.host() + ":" + joiner.paxos()
            + " did not open; check --paxos")
        .compose(x -> node.replicatedLog().changeMembership(true, joiner.id()))
        .recover(e -> Future.failedFuture("the log did not choose the change: " + e.getMessage()))
        .compose(pos -> poll(() -> Future.succeededFuture(node.replicatedLog().votingMembers().contains(joiner.id())),
            System.currentTimeMillis() + IN_FORCE_TIMEOUT_MS,
            () -> "the change adding node " + joiner.id() + " was chosen but did not take effect within "
                + IN_FORCE_TIMEOUT_MS / 1000 + " s"));
  }

  private Future<Void> awaitFollower(NodeConfig.Member joiner) {
    progress = progress.phase("following", "node " + joiner.id() + " votes; waiting for it to report FOLLOWER");
    return poll(() -> peers.get(joiner, "/local").map(st -> "voting".equals(st.getString("membership"))
            && NodeRole.FOLLOWER.name().equals(st.getString("role")) && st.getBoolean("initialised", false))
            .otherwise(false), System.currentTimeMillis() + FOLLOWER_TIMEOUT_MS,
        () -> "node " + joiner.id() + " votes but did not report a caught-up FOLLOWER within "
            + FOLLOWER_TIMEOUT_MS / 1000 + " s; it stays a member: check its log and `admin status`");
  }

  /** Undoes a failed add: the change if it was chosen, then the address everywhere. */
  private Future<Void> rollBackAdd(NodeConfig.Member joiner, Throwable cause) {
    if ("following".equals(progress.phase())) {
      return Future.failedFuture(cause); // it votes: removing it again would be a second change nobody asked for
    }
    log.warn("add-member {} failed ({}); rolling it back", joiner.id(), cause.getMessage());
    Future<Void> undo = node.replicatedLog().latestMembers().contains(joiner.id())
        ? node.replicatedLog().changeMembership(false, joiner.id()).<Void>mapEmpty()
        : Future.succeededFuture();
    return undo.transform(u -> {
      dropAddress(joiner.id());
      String what = u.succeeded() ? "rolled back: node " + joiner.id() + " is not a member; what to do: "
          + rollBackHint(joiner)
          : "ROLLBACK FAILED (" + u.cause().getMessage() + "): run `remove-member --id " + joiner.id() + "`";
      return Future.failedFuture(cause.getMessage() + "; " + what);
    });
  }

  /** What an operator does after an add was rolled back: the joiner is still running, ready for another try. */
  private static String rollBackHint(NodeConfig.Member joiner) {
    return "make sure node " + joiner.id() + " and the members reach each other's Paxos ports (its --paxos "
        + joiner.host() + ":" + joiner.paxos() + ") and see node " + joiner.id() + "'s log for why it fell behind;"
        + " then run add-member again, with a larger --timeout-seconds if it was still catching up";
  }

  // ---- remove ---------------------------------------------------------------------------------------

  Future<JsonObject> remove(int id, boolean force) {
    return checkIdle("remove-member " + id).compose(x -> checkRemovable(id, force, 0)
        .compose(y -> runRemove(id))
        .transform(ar -> {
          finish(ar.cause());
          return ar.succeeded() ? Future.succeededFuture(progress()) : Future.failedFuture(ar.cause());
        }));
  }

  private Future<Void> runRemove(int id) {
    progress = progress.phase("removing", "proposing the removal of node " + id);
    return node.replicatedLog().changeMembership(false, id)
        .recover(e -> Future.failedFuture(new AdminException("not-chosen", 503, "the log did not choose the removal"
            + " of node " + id + ": " + e.getMessage(), "check `admin status` and retry")))
        .compose(pos -> poll(() -> Future.succeededFuture(!node.replicatedLog().votingMembers().contains(id)),
            System.currentTimeMillis() + IN_FORCE_TIMEOUT_MS,
            () -> "the removal of node " + id + " was chosen but did not take effect within "
                + IN_FORCE_TIMEOUT_MS / 1000 + " s"))
        .map(x -> {
          dropAddress(id);
          return null;
        });
  }

  // ---- replace --------------------------------------------------------------------------------------

  /** Adds {@code joiner}, then removes {@code old}: the voter count never drops below what it was. */
  Future<JsonObject> replace(int old, NodeConfig.Member joiner, boolean force, long timeoutMs) {
    String what = "replace-member " + old + " with " + joiner.id();
    return checkIdle(what).compose(x -> checkRemovable(old, force, 1).compose(y -> checkNewId(joiner.id()))
        .compose(y -> checkJoiner(joiner)).map(st -> {
          runAdd(joiner, timeoutMs).compose(y -> runRemove(old)).onComplete(ar -> finish(ar.cause()));
          return progress();
        }).onFailure(this::finish));
  }

  // ---- checks ---------------------------------------------------------------------------------------

  private Future<Void> checkIdle(String operation) {
    if (progress != null && !progress.finished()) {
      return Future.failedFuture(new AdminException("busy", 409, "'" + progress.operation()
          + "' is still running (phase " + progress.phase() + ")", "wait for it: `admin members-progress`"));
    }
    if (node.role() != NodeRole.MASTER) {
      return Future.failedFuture(new AdminException("not-master", 409, "node " + node.config().nodeId()
          + " is not the master", "send membership commands to the master's admin port"));
    }
    progress = ChangeProgress.start(operation, System.currentTimeMillis());
    return Future.succeededFuture();
  }

  private Future<Void> checkNewId(int id) {
    if (node.replicatedLog().latestMembers().contains(id)) {
      return Future.failedFuture(new AdminException("id-in-use", 409, "node id " + id + " is already a voting member "
          + "(members " + node.replicatedLog().latestMembers() + ")",
          "pick an id no member uses; to put a new machine in place of node " + id + ", remove it first or use "
              + "replace-member with another id"));
    }
    return Future.succeededFuture();
  }

  /**
   * @param adding voters added before the removal (replace adds first), counted in the 3-voter floor
   */
  private Future<Void> checkRemovable(int id, boolean force, int adding) {
    SortedSet<Integer> latest = node.replicatedLog().latestMembers();
    if (!latest.contains(id)) {
      return Future.failedFuture(new AdminException("not-a-member", 404, "node " + id + " is not a voting member "
          + "(members " + latest + ")", "check the id with `admin status`"));
    }
    int remaining = latest.size() + adding - 1;
    if (remaining < MIN_VOTERS) {
      return Future.failedFuture(new AdminException("too-few-voters", 409, "removing node " + id + " would leave "
          + remaining + " voting member(s); paxosql keeps at least " + MIN_VOTERS
          + " so that one failure still leaves a majority",
          "add a member first (add-member), or use replace-member to put a new machine in its place"));
    }
    if (id == node.config().nodeId() && !force) {
      return Future.failedFuture(new AdminException("is-master", 409, "node " + id + " is the master",
          "run `admin step-down` against it first and remove it once another node is master, or pass --force"));
    }
    return Future.succeededFuture();
  }

  /** The joiner answers, is the node it claims to be, belongs to this cluster and may join. */
  private Future<JsonObject> checkJoiner(NodeConfig.Member j) {
    String where = j.host() + ":" + j.admin();
    return peers.get(j, "/local").recover(e -> Future.failedFuture(new AdminException("unreachable", 409,
        "cannot reach the new member at " + where + ": " + e.getMessage(),
        "start it first with `node --config nodeN.yaml` (listing the existing members and itself, with an empty "
            + "data dir), and check --host and --admin"))).compose(st -> {
              if (st.getInteger("id", -1) != j.id()) {
                return refuse("wrong-node", "the node at " + where + " is node " + st.getValue("id") + ", not node "
                    + j.id(), "check --id, --host and --admin");
              }
              if (!node.config().clusterId().equals(st.getString("clusterId"))) {
                return refuse("wrong-cluster", "node " + j.id() + " belongs to cluster '" + st.getString("clusterId")
                    + "'", "set clusterId in its config to '" + node.config().clusterId() + "'");
              }
              if (!st.getBoolean("joinable", false)) {
                return refuse("not-joinable", "node " + j.id() + " cannot join: its data dir was not empty when it "
                    + "first started, or it did not find this cluster when it started (so it may hold data the "
                    + "cluster never chose)", "stop it, empty its data dir, start it again while the members are "
                    + "reachable, then retry");
              }
              if (!st.getJsonArray("genesis").equals(node.membership().getJsonArray("genesis"))) {
                return refuse("not-joinable", "node " + j.id() + " started from members " + st.getJsonArray("genesis")
                    + ", not this cluster's " + node.membership().getJsonArray("genesis"),
                    "restart it while the members are reachable so it learns the cluster");
              }
              return Future.succeededFuture(st);
            });
  }

  private static <T> Future<T> refuse(String code, String message, String hint) {
    return Future.failedFuture(new AdminException(code, 409, message, hint));
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private void dropAddress(int id) {
    if (node.directory().remove(id)) {
      node.directoryChanged();
    }
    for (NodeConfig.Member m : node.directory().all()) {
      if (m.id() != node.config().nodeId()) {
        peers.post(m, "/membership/peer", new JsonObject().put("remove", id))
            .onFailure(e -> log.warn("member {} did not drop node {}'s address: {}", m.id(), id, e.getMessage()));
      }
    }
  }

  private void finish(Throwable failure) {
    node.transfer().clear();
    if (failure == null) {
      progress = progress.phase("done", progress.operation() + " done");
      log.info("{} done; members now {}", progress.operation(), node.replicatedLog().votingMembers());
    } else {
      progress = progress.failed(failure.getMessage());
      log.warn("{} failed: {}", progress.operation(), failure.getMessage());
    }
  }

  /** Asks {@code check} every {@link #POLL_MS} until it says true, fails, or the deadline passes. */
  private Future<Void> poll(Supplier<Future<Boolean>> check, long deadlineMs, Supplier<String> timeout) {
    Promise<Void> done = Promise.promise();
    pollOnce(check, deadlineMs, timeout, done);
    return done.future();
  }

  private void pollOnce(Supplier<Future<Boolean>> check, long deadlineMs, Supplier<String> timeout, Promise<Void> done) {
    check.get().onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else if (ar.result()) {
        done.complete();
      } else if (System.currentTimeMillis() >= deadlineMs) {
        done.fail(timeout.get());
      } else {
        vertx.setTimer(POLL_MS, t -> pollOnce(check, deadlineMs, timeout, done));
      }
    });
  }
}
