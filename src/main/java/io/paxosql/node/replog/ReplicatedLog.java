package io.paxosql.node.replog;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.log.PaxosLog;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.ChosenLog;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.Status;
import io.paxosql.transport.FaultInjector;
import io.paxosql.transport.NodeTransport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.CopyOnWriteArrayList;
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
 *   <li>{@link TransportHandler} takes peers' traffic; {@link LogFollowers} feed each follower of the log;</li>
 *   <li>{@link ProposalRouter} takes proposals to the core or forwards them to the leader;</li>
 *   <li>{@link OpenedLog} opens the log and restores the core's state from it.</li>
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
  private final MeterRegistry registry;
  private final ReplogMetrics metrics;
  private final LogFollowers followers;
  private final RetentionHolds holds = new RetentionHolds();
  private final List<Consumer<Throwable>> fatalListeners = new CopyOnWriteArrayList<>();
  private PaxosLog log;
  private CoreDriver driver;
  private CatchUpClient catchUp;
  private ProgressAndRetention retention;
  private ChosenEntryReader reader;
  private NodeTransport transport;
  private ProposalRouter proposals;
  private String deployment;

  private ReplicatedLog(Vertx vertx, Context context, ReplogOptions opts, FaultInjector faults, MeterRegistry reg) {
    this.vertx = vertx;
    this.context = context;
    this.opts = opts;
    this.faults = faults;
    this.self = opts.paxos().nodeId();
    this.registry = reg;
    this.metrics = ReplogMetrics.register(reg, self);
    this.followers = new LogFollowers(context);
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

  private Future<ReplicatedLog> open() {
    return vertx.executeBlocking(() -> OpenedLog.open(opts, registry, task -> context.runOnContext(v -> task.run()),
        this::fatal)).compose(o -> {
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
      proposals = new ProposalRouter(opts, driver, t);
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
      followers.deliverEarly(chosen);
    }

    @Override
    public void chosenDurable(List<ChosenValue> chosen) {
      catchUp.durableUpTo(driver.chosenBelow());
      reader.deliveredDurable(chosen, driver.chosenBelow());
      followers.deliverDurable(chosen);
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
    context.runOnContext(v -> proposals.propose(bytes, p));
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

  /**
   * Proposes adding ({@code add}) or removing one member. Completes once the change is chosen and durable
   * here; it votes from alpha instances later ({@link #votingMembers()} shows when). Only the leader
   * proposes changes: a follower fails with "not leader".
   */
  public Future<LogPosition> changeMembership(boolean add, int member) {
    Promise<LogPosition> p = Promise.promise();
    context.runOnContext(v -> proposals.changeMembership(add, member, p));
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
    return followers.follow(from, listener, log, driver);
  }

  /**
   * Chosen values this log's followers (the chain) read back from the disk since it opened: at a restart,
   * what the node replays to rebuild its state; bounded by the chain checkpoint, not by history.
   */
  public long valuesReplayedFromDisk() {
    return followers.valuesReplayedFromDisk();
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
    return driver.holdsWhatPeersChose() && followers.allLive();
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
