package io.paxosql.node.replog;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.log.ReadResult;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.ChosenLog;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PersistentState;
import io.paxosql.paxos.ProposeResult;
import io.paxosql.paxos.Status;
import io.paxosql.transport.FaultInjector;
import io.paxosql.transport.NodeTransport;
import io.paxosql.transport.proto.ProposeRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the replicated log: the pure Paxos core, its Chronicle log and its gRPC transport, all
 * driven from one Vert.x context. This class is the face other packages use (propose, follow, read,
 * status, lifecycle) and wires the rooms behind it:
 * <ul>
 *   <li>{@link CoreDriver} runs the core's tick/step/ready/advance loop;</li>
 *   <li>{@link ProposalTracker} (pure) answers proposals once chosen and durable;</li>
 *   <li>{@link WallClockLease} bounds the lease in wall time;</li>
 *   <li>{@link CatchUpClient} and {@link CatchUpServer} move missing values by stream;</li>
 *   <li>{@link ProgressAndRetention} exchanges progress and deletes what every member applied;</li>
 *   <li>{@link TransportHandler} takes peers' traffic; {@link LogFollower} feeds each follower of the log.</li>
 * </ul>
 */
public final class ReplicatedLog implements ChosenLog {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedLog.class);
  /** Bytes per read() call; the log reads at least one value beyond it. */
  private static final long READ_BYTES = 16 << 20;

  private final Vertx vertx;
  private final Context context;
  private final ReplogOptions opts;
  private final FaultInjector faults;
  private final int self;
  private final long clusterId;
  private final MeterRegistry registry;
  private final ReplogMetrics metrics;
  private final List<LogFollower> followers = new CopyOnWriteArrayList<>();
  private final LongAdder replayedValues = new LongAdder();
  private final RetentionHolds holds = new RetentionHolds();
  private final List<Consumer<Throwable>> fatalListeners = new CopyOnWriteArrayList<>();
  private PaxosLog log;
  private CoreDriver driver;
  private CatchUpClient catchUp;
  private ProgressAndRetention retention;
  private ChosenEntryReader reader;
  private NodeTransport transport;
  private String deployment;

  private ReplicatedLog(Vertx vertx, Context context, ReplogOptions opts, FaultInjector faults, MeterRegistry reg) {
    this.vertx = vertx;
    this.context = context;
    this.opts = opts;
    this.faults = faults;
    this.self = opts.paxos().nodeId();
    this.clusterId = opts.paxos().clusterId();
    this.registry = reg;
    this.metrics = ReplogMetrics.register(reg, self);
    Gauge.builder("paxosql.replog.catchup.lag", this, r -> r.driver == null ? 0 : r.driver.catchUpLag())
        .tag("node", String.valueOf(self))
        .description("chosen instances a peer has that this node has not made durable").register(reg);
  }

  /**
   * Opens the log (off the event loop), restores the core, starts the transport and the tick.
   * Everything afterwards runs on a new context of {@code vertx}.
   */
  public static Future<ReplicatedLog> start(Vertx vertx, ReplogOptions opts, FaultInjector faults, MeterRegistry reg) {
    Promise<ReplicatedLog> started = Promise.promise();
    // A verticle of its own gives the node its own context (and event loop), whoever calls start.
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        ReplicatedLog r = new ReplicatedLog(vertx, context, opts, faults, reg);
        r.deployment = context.deploymentID();
        return r.open().onComplete(started);
      }
    }).onFailure(started::tryFail);
    return started.future();
  }

  /** The log as opened, and the core's state restored from it. */
  private record Opened(PaxosLog log, PersistentState core) {}

  private Future<ReplicatedLog> open() {
    return vertx.executeBlocking(() -> {
      PaxosLog l = PaxosLog.open(opts.log().withRegistry(registry),
          task -> context.runOnContext(v -> task.run()), this::fatal);
      long chosenBelow = l.chosenBelow();
      // The newest values that fit the memory bounds, so the core can answer peers right away.
      long firstKept = chosenBelow;
      long bytes = 0;
      List<LogRecord.Chosen> recent = new ArrayList<>();
      while (firstKept > l.firstRetained() && chosenBelow - firstKept < opts.memoryValues()
          && bytes < CoreDriver.MEMORY_BYTES) {
        long from = Math.max(l.firstRetained(), firstKept - 256);
        ReadResult rr = l.read(from, (int) (firstKept - from), Long.MAX_VALUE).join();
        if (rr.values().size() != firstKept - from) {
          break;
        }
        for (LogRecord.Chosen c : rr.values()) {
          bytes += c.value().length;
        }
        recent.addAll(0, rr.values());
        firstKept = from;
      }
      return new Opened(l, RecordMapping.toCore(l.recovered(), firstKept, recent));
    }).compose(o -> {
      log = o.log();
      driver = new CoreDriver(vertx, opts, log, o.core(), metrics, new SecureRandom().nextLong(), new Hooks());
      catchUp = new CatchUpClient(vertx, opts, driver);
      retention = new ProgressAndRetention(vertx, context, opts, log, driver, holds);
      reader = new ChosenEntryReader(log, context, driver::chosenBelow);
      CatchUpServer server = new CatchUpServer(context, opts, log, driver);
      return NodeTransport.start(vertx, opts.transport(), faults, new TransportHandler(driver, retention, server, self,
          opts.forwardProposals()));
    }).map(t -> {
      transport = t;
      for (String reason : t.refusals().keySet()) {
        FunctionCounter.builder("paxosql.transport.refused", t, x -> x.refused(reason)).tag("node", String.valueOf(self))
            .tag("reason", reason).description("connections, calls and messages the Paxos port refused: not a"
                + " member, a certificate naming another node, another cluster, a failed TLS handshake")
            .register(registry);
      }
      driver.attach(t);
      driver.startTicking();
      retention.start();
      LOG.info("node {} started: chosen [{}, {}) on disk, transport port {}", self, log.firstRetained(),
          driver.chosenBelow(), t.port());
      return this;
    });
  }

  /** Where the driver's loop reaches the other rooms. */
  private final class Hooks implements CoreDriver.Hooks {
    @Override
    public void catchUp(int peer, long fromInstance) {
      catchUp.start(peer, fromInstance);
    }

    @Override
    public void persisted() {
      catchUp.persisted();
    }

    @Override
    public void chosenEarly(List<ChosenValue> chosen) {
      // Held first: a follower's listener may wake a reader that asks for these bytes at once.
      reader.deliveredEarly(chosen);
      for (LogFollower f : followers) {
        for (ChosenValue c : chosen) {
          f.deliverEarly(c.instance(), c.value());
        }
      }
    }

    @Override
    public void chosenDurable(List<ChosenValue> chosen) {
      catchUp.durableUpTo(driver.chosenBelow());
      reader.durableBelow(driver.chosenBelow());
      for (LogFollower f : followers) {
        if (f.live()) {
          for (ChosenValue c : chosen) {
            f.deliver(c.instance(), c.value());
          }
        }
      }
    }
  }

  // ---- proposing ------------------------------------------------------------------------------------

  /**
   * Proposes {@code bytes}. Completes with the position (instance id, index in its batch) once the value
   * is chosen and durable on this node: as a Chosen record, or as the accepted value that got chosen, in
   * which case its Chosen record follows a moment later ({@link #chosenBelow()} catches up then; followers
   * of the log get the value at once, and reads find it in memory meanwhile). A follower forwards to the leader, or fails with "not leader: <leader>" when
   * forwarding is off or no leader is known.
   */
  @Override
  public Future<LogPosition> propose(byte[] bytes) {
    Promise<LogPosition> p = Promise.promise();
    context.runOnContext(v -> proposeOnContext(bytes, p));
    return p.future();
  }

  /**
   * The core refuses an entry whose size plus 16 exceeds maxBatchBytes, and sizes a data entry as its
   * bytes plus 16. The batch cap, not gRPC (256 MiB per message) or Chronicle (16 MiB per entry with
   * its default 64 MiB block, measured), is what binds: {@link ReplogOptions} keeps it below both.
   */
  @Override
  public int maxProposalBytes() {
    return opts.paxos().maxBatchBytes() - 32;
  }

  private void proposeOnContext(byte[] bytes, Promise<LogPosition> p) {
    if (driver.stopped()) {
      p.fail("node " + self + " is stopped");
      return;
    }
    ProposeResult r = driver.propose(bytes, p);
    switch (r.outcome()) {
      case QUEUED -> { }
      case NOT_LEADER -> forward(bytes, r.leaderHint(), p);
      default -> driver.fail(p, r.outcome() + ": " + r.detail());
    }
  }

  private void forward(byte[] bytes, int leader, Promise<LogPosition> p) {
    if (!opts.forwardProposals() || leader < 0 || leader == self) {
      driver.fail(p, "not leader: " + (leader < 0 ? "unknown" : String.valueOf(leader)));
      return;
    }
    transport.propose(leader, ProposeRequest.newBuilder().setClusterId(clusterId).setFrom(self)
        .setData(ByteString.copyFrom(bytes)).build()).onComplete((reply, err) -> {
          if (err != null) {
            driver.fail(p, "forwarding to leader " + leader + " failed: " + err.getMessage());
          } else if (reply.hasError()) {
            driver.fail(p, reply.getError());
          } else {
            LogPosition pos = new LogPosition(reply.getInstance(), reply.getIndex());
            // Answer only once this node holds the value too, as for a proposal of its own.
            driver.whenDurable(pos.instance(), () -> p.tryComplete(pos));
          }
        });
  }

  /**
   * Proposes adding ({@code add}) or removing one member. Completes once the change is chosen and durable
   * here; it votes from alpha instances later ({@link #votingMembers()} shows when). Only the leader
   * proposes changes: a follower fails with "not leader".
   */
  public Future<LogPosition> changeMembership(boolean add, int member) {
    Promise<LogPosition> p = Promise.promise();
    context.runOnContext(v -> {
      if (driver.stopped()) {
        p.fail("node " + self + " is stopped");
        return;
      }
      long id = driver.nextProposalId();
      Entry change = add ? new Entry.AddMember(id, member) : new Entry.RemoveMember(id, member);
      ProposeResult r = driver.proposeChange(change, p);
      if (!r.queuedOk()) {
        driver.fail(p, (r.outcome() == ProposeResult.Outcome.NOT_LEADER ? "not leader: " : r.outcome() + ": ")
            + r.detail());
      }
    });
    return p.future();
  }

  /** The member ids voting now (at the first unchosen instance), as the log says; any thread. */
  public SortedSet<Integer> votingMembers() {
    return driver.votingMembers();
  }

  /** The newest member set chosen, which may not vote yet; any thread. */
  public SortedSet<Integer> latestMembers() {
    return driver.latestMembers();
  }

  /** Whether this node's link to {@code peer} is open (answered on the log's context). */
  public Future<Boolean> linkedTo(int peer) {
    Promise<Boolean> p = Promise.promise();
    context.runOnContext(v -> p.complete(transport.linkedTo(peer)));
    return p.future();
  }

  /**
   * Replaces the addresses this node's transport reaches its peers at (id → "host:paxosPort", this
   * node excluded): the one place where links to members appear and go.
   */
  public void setPeers(Map<Integer, String> peers) {
    context.runOnContext(v -> transport.setPeers(peers));
  }

  // ---- following and reading ------------------------------------------------------------------------

  @Override
  public AutoCloseable follow(LogPosition from, Consumer<ChosenEntry> listener) {
    LogFollower f = new LogFollower(from, listener, log, context, driver, replayedValues);
    context.runOnContext(v -> {
      followers.add(f);
      f.pump();
    });
    return () -> context.runOnContext(v -> {
      f.close();
      followers.remove(f);
    });
  }

  /**
   * Chosen values this log's followers (the chain) read back from the disk since it opened: at a restart,
   * what the node replays to rebuild its state; bounded by the chain checkpoint, not by history.
   */
  public long valuesReplayedFromDisk() {
    return replayedValues.sum();
  }

  /**
   * Chosen entries from {@code from}: from the disk, and for values the followers got before their Chosen
   * records were durable, from memory ({@link ChosenEntryReader}). Reads on past instances that hold no
   * proposal, so a long run of no-ops does not look like the end of the log.
   */
  @Override
  public Future<List<ChosenEntry>> read(LogPosition from, int max) {
    return reader.read(from, max, READ_BYTES);
  }

  /** One past the last instance chosen and durable here. */
  public long chosenBelow() {
    return driver.chosenBelow();
  }

  public long firstRetained() {
    return log.firstRetained();
  }

  /**
   * Whether this node's followers of the log have delivered everything this node holds, and this
   * node holds everything its peers reported chosen: views derived from the log (the chain) are then
   * current, not still being rebuilt after a restart.
   */
  public boolean caughtUp() {
    return driver.holdsWhatPeersChose() && followers.stream().allMatch(LogFollower::live);
  }

  /** The application applied everything below {@code instance}; retention never deletes what a member still needs. */
  public void applied(long instance) {
    context.runOnContext(v -> retention.applied(instance));
  }

  /**
   * Tells retention what this node itself still needs: it never deletes at or above
   * {@code floor.getAsLong()} (read on the node's context each retention pass), which the owner computes as
   * the lowest of its own applied point and its chain checkpoint; {@link Long#MIN_VALUE} while unknown keeps
   * everything. Without it, the floor is what is durable here (a log nothing is derived from).
   */
  public void localFloor(LongSupplier floor) {
    context.runOnContext(v -> retention.localFloor(floor));
  }

  /** Where other parts of the node keep the log from being deleted (a donor for a joiner's backup). */
  public RetentionHolds holds() {
    return holds;
  }

  /** The inputs of the latest retention decision, for status and logs ("" before the first). */
  public String retentionDecision() {
    ProgressAndRetention r = retention;
    Object d = r == null ? null : r.lastDecision();
    return d == null ? "" : d.toString();
  }

  // ---- leadership -----------------------------------------------------------------------------------

  /** The core's latest status (role, leader, lease). Read it on any thread; it is replaced, not mutated. */
  public Status status() {
    return driver.status();
  }

  /** Whether this node may campaign for the lease; the cluster allows it only while its MariaDB is caught up. */
  public void setCampaignAllowed(boolean allowed) {
    context.runOnContext(v -> driver.setCampaignAllowed(allowed));
  }

  /** Gives up leadership and the lease at once (planned switchover, or a master whose MariaDB failed). */
  public void resign() {
    context.runOnContext(v -> driver.resign());
  }

  /**
   * Whether this node holds the master lease now, in wall time: the core's view is only as fresh as the
   * last tick, and an event loop stalled since then must not make an expired lease look held.
   */
  public boolean holdsLease() {
    return driver.holdsLease();
  }

  /**
   * The ballot of the master lease this node holds now in wall time, or null: the lease and the
   * leadership it belongs to, read together (a read index must come from the epoch this node serves).
   */
  public Ballot leaseHolder() {
    return driver.leaseHolder();
  }

  /** For logs: the core's status and this node's wall-time view of its lease. */
  public String describeLease() {
    return driver.describeLease();
  }

  /** Called on the node's context whenever leadership or the lease changes. */
  public void onStatus(Consumer<Status> listener) {
    driver.onStatus(listener);
  }

  /**
   * Called once, on the node's context, if the log can no longer persist (I/O error, full disk): the
   * log has stopped, the core neither votes nor renews the lease; the node must fence and exit.
   */
  public void onFatal(Consumer<Throwable> listener) {
    fatalListeners.add(listener);
  }

  /** Set when a peer no longer holds the values this node lacks: it must be rebuilt from a snapshot. */
  public Message.SnapshotNeeded snapshotNeeded() {
    return driver.snapshotNeeded();
  }

  // ---- the node -------------------------------------------------------------------------------------

  /** Runs {@code r} on this node's context (tests block it there to stall the node's event loop). */
  void onContext(Runnable r) {
    context.runOnContext(v -> r.run());
  }

  public int port() {
    return transport.port();
  }

  /**
   * Whether {@code node} is a member (other than this one), as of the last tick; on any thread. The
   * transport reads the same set on its own context, current to the message.
   */
  public boolean isMember(int node) {
    return node != self && driver != null && driver.memberView().contains(node);
  }

  /** The links to the other members, for member-only calls beside the log (read index, init). */
  public NodeTransport transport() {
    return transport;
  }

  public int nodeId() {
    return self;
  }

  /** The log (for tests and operators: files, first retained instance). */
  public PaxosLog storage() {
    return log;
  }

  /** Stops cleanly: queued records are written, links are closed. */
  public Future<Void> close() {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      stopTimers();
      transport.close()
          .eventually(() -> vertx.executeBlocking(() -> {
            log.close();
            return null;
          }))
          .eventually(() -> undeploy())
          .<Void>mapEmpty().onComplete(p);
    });
    return p.future();
  }

  /**
   * Stops as if the process were killed: nothing queued is written or synced, no proposal is completed,
   * links drop. The log files stay exactly as the writer left them.
   */
  public Future<Void> halt() {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      stopTimers();
      // Waiting for the log's threads to stop is blocking: keep it off the event loop.
      vertx.executeBlocking(() -> {
        log.halt();
        return null;
      }).eventually(() -> transport.close()).eventually(() -> undeploy()).<Void>mapEmpty().onComplete(p);
    });
    return p.future();
  }

  private Future<Void> undeploy() {
    return deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
  }

  private void stopTimers() {
    driver.stop();
    retention.stop();
  }

  private void fatal(Throwable t) {
    LOG.error("node {}: the log failed; stopping this node so it cannot vote on state it did not persist", self, t);
    context.runOnContext(v -> {
      if (driver != null && !driver.stopped()) {
        stopTimers();
        transport.close();
      }
      fatalListeners.forEach(l -> l.accept(t));
    });
  }
}
