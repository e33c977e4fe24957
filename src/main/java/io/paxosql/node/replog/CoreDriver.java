package io.paxosql.node.replog;

import io.paxosql.log.PaxosLog;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.PersistentState;
import io.paxosql.paxos.ProposeResult;
import io.paxosql.paxos.Ready;
import io.paxosql.paxos.Status;
import io.paxosql.paxos.Value;
import io.paxosql.transport.MessageCodec;
import io.paxosql.transport.NodeTransport;
import io.paxosql.transport.proto.Envelope;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the pure Paxos core from the node's Vert.x context; only the driver touches the core. Time
 * enters as a periodic tick and peers' messages as steps. Each Ready is taken in order: send what may
 * leave now, hand the records to the log's writer thread ({@link ReadysWithLog}: several Readys may be
 * with it at once, made durable in order), and once they are durable release the replies the core held
 * back ({@link PaxosNode#advance()}) and apply the chosen values. The rest of the node joins in at fixed
 * points of this loop through {@link Hooks}.
 */
final class CoreDriver {
  private static final Logger LOG = LoggerFactory.getLogger(CoreDriver.class);
  /** The core keeps chosen values in memory to answer peers; beyond this many bytes they are read from disk. */
  static final long MEMORY_BYTES = 64L << 20;
  /** How often the lease path's timings are logged, when one of them reached {@link #NOTABLE_NANOS}. */
  private static final long REPORT_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long NOTABLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** What the rest of the node does at fixed points of the loop; called on the node's context. */
  interface Hooks {
    /** The core lacks the values from {@code fromInstance} on: they come from {@code peer} by stream, not by message. */
    void catchUp(int peer, long fromInstance);

    /** A Ready became durable, so the writer has room for more. */
    void persisted();

    /**
     * These values are chosen and this node holds each as a durable Accepted record; their Chosen records
     * are not durable yet. In instance order, continuing what the followers of the log got so far.
     */
    void chosenEarly(List<ChosenValue> chosen);

    /** These values are now chosen and durable here, in instance order, after their proposals completed. */
    void chosenDurable(List<ChosenValue> chosen);
  }

  private final Vertx vertx;
  private final ReplogOptions opts;
  private final int self;
  private final PaxosLog log;
  private final PaxosNode node;
  private final ReplogMetrics metrics;
  private final Hooks hooks;
  private final ProposalTracker tracker;
  private final MemoryWindow memory;
  private final WallClockLease lease;
  private final LeaseTimings timings = new LeaseTimings();
  private long lastReport = System.nanoTime();
  private final List<Consumer<Status>> statusListeners = new CopyOnWriteArrayList<>();
  private NodeTransport transport;
  private long tickTimer = -1;
  private boolean stopped;
  private final ReadysWithLog withLog;
  /** Whether a {@link #drive()} is queued on the context (see {@link #driveSoon()}). */
  private boolean driveQueued;
  private final PeerProgress progress;
  private final MemberView members = new MemberView();
  // Written on the node's context, read by callers on any thread.
  private volatile Status status;
  private volatile Message.SnapshotNeeded snapshotNeeded;

  /**
   * @param restored       the core's state as read back from {@code log}
   * @param proposalIdBase random per run of the node (see {@link ProposalTracker})
   */
  CoreDriver(Vertx vertx, ReplogOptions opts, PaxosLog log, PersistentState restored, ReplogMetrics metrics,
             long proposalIdBase, Hooks hooks) {
    this.vertx = vertx;
    this.opts = opts;
    this.self = opts.paxos().nodeId();
    this.log = log;
    this.metrics = metrics;
    this.hooks = hooks;
    this.node = new PaxosNode(opts.paxos(), restored);
    this.withLog = new ReadysWithLog(log, (bytes, nanos) -> timings.persisted(bytes, nanos, ReadysWithLog.BIG_BYTES));
    node.setCampaignAllowed(true);
    long durableChosenBelow = log.chosenBelow();
    status = node.status();
    members.note(node);
    tracker = new ProposalTracker(proposalIdBase, durableChosenBelow);
    progress = new PeerProgress(opts, restored, durableChosenBelow);
    memory = new MemoryWindow(opts.memoryValues(), MEMORY_BYTES);
    for (long i = node.firstRetained(); i < durableChosenBelow; i++) {
      Value v = node.chosen(i);
      if (v != null) {
        memory.add(i, v.size());
      }
    }
    lease = new WallClockLease(TimeUnit.MILLISECONDS.toNanos(opts.tickMillis()));
  }

  /** The transport starts after the driver, because its handler steps the driver. */
  void attach(NodeTransport t) {
    transport = t;
  }

  NodeTransport transport() {
    return transport;
  }

  /**
   * Starts the core's clock. It follows real time: after a stall the node ticks as often as it missed
   * ({@link WallClockLease#dueTicks}).
   */
  void startTicking() {
    lease.start(System.nanoTime());
    tickTimer = vertx.setPeriodic(opts.tickMillis(), id -> {
      long due = lease.dueTicks(System.nanoTime());
      for (long i = 0; i < due; i++) {
        node.tick();
      }
      if (due > 0) {
        lease.note(node.status());
        drive();
        members.note(node);
      }
      reportTimings();
    });
  }

  /** Stops ticking and driving: nothing more is sent, persisted or completed. */
  void stop() {
    stopped = true;
    vertx.cancelTimer(tickTimer);
  }

  boolean stopped() {
    return stopped;
  }

  int nodeId() {
    return self;
  }

  // ---- input ----------------------------------------------------------------------------------------

  /**
   * Queues {@code bytes} in the core. When it is queued, {@code p} completes once the value is chosen and
   * durable here; otherwise {@code p} is left to the caller, who decides from the result.
   */
  ProposeResult propose(byte[] bytes, Promise<LogPosition> p) {
    metrics.proposals().increment();
    long id = tracker.nextId();
    ProposeResult r = node.propose(id, bytes);
    if (r.queuedOk()) {
      tracker.track(id, answering(p));
      driveSoon();
    }
    return r;
  }

  /** Queues a membership change like {@link #propose}; {@code p} completes once it is chosen and durable here. */
  ProposeResult proposeChange(Entry change, Promise<LogPosition> p) {
    ProposeResult r = node.proposeMembership(change);
    if (r.queuedOk()) {
      tracker.track(change.proposalId(), answering(p));
      driveSoon();
    }
    return r;
  }

  private ProposalTracker.Waiter answering(Promise<LogPosition> p) {
    return new ProposalTracker.Waiter() {
      @Override
      public void chosen(LogPosition at) {
        p.tryComplete(at);
      }

      @Override
      public void failed(String why) {
        fail(p, why);
      }
    };
  }

  /** A fresh id for an entry this node proposes. */
  long nextProposalId() {
    return tracker.nextId();
  }

  /** Fails a proposal, counting it. */
  void fail(Promise<?> p, String why) {
    countFailure();
    p.tryFail(why);
  }

  /** Counts a proposal that failed without a promise to fail (a forwarded one, answered by a reply). */
  void countFailure() {
    metrics.proposalsFailed().increment();
  }

  /** Runs {@code r} once {@code instance} is chosen and durable here. */
  void whenDurable(long instance, Runnable r) {
    tracker.whenDurable(instance, r);
  }

  /** Steps a message into the core; the caller drives afterwards. */
  void step(Message m) {
    if (m instanceof Message.Accept a) {
      withLog.stepping(a);
    }
    if (m instanceof Message.Grant g) {
      timings.granted(g.seq(), System.nanoTime());
    } else if (m instanceof Message.Renew) {
      timings.renewStepped(System.nanoTime());
    }
    node.step(m);
  }

  /**
   * Whether an earlier copy of this big accept from {@code from} is still being written here (see
   * {@link AcceptsBeingWritten}); the caller then drops it. The leader sends an unanswered accept again every
   * few ticks, and a loaded follower takes longer than that to write a multi-MB value.
   */
  boolean stillWriting(int from, long instance, Ballot ballot) {
    return withLog.stillWriting(from, instance, ballot);
  }

  /** A peer said it has everything below {@code chosenBelow} chosen (-1: the message did not say). */
  void notePeerChosenBelow(long chosenBelow) {
    progress.notePeerChosenBelow(chosenBelow);
  }

  void setCampaignAllowed(boolean allowed) {
    node.setCampaignAllowed(allowed);
  }

  void resign() {
    if (!stopped) {
      node.resign();
      drive();
    }
  }

  void onStatus(Consumer<Status> listener) {
    statusListeners.add(listener);
  }

  /** The core must not serve from memory what the log no longer holds: one retained range for both. */
  void forgetBelow(long firstRetained) {
    if (stopped || firstRetained <= node.firstRetained()) {
      return;
    }
    node.compact(firstRetained);
    memory.dropBelow(firstRetained);
  }

  void send(Envelope e) {
    transport.send(e);
  }

  // ---- views (any thread unless noted) --------------------------------------------------------------

  long chosenBelow() {
    return progress.durableChosenBelow();
  }

  Status status() {
    return status;
  }

  boolean holdsLease() {
    return lease.holds(System.nanoTime());
  }

  /** The ballot of the lease this node holds now in wall time, or null. */
  Ballot leaseHolder() {
    return lease.holder(System.nanoTime());
  }

  /** For logs: the core's status and the wall-time lease view. */
  String describeLease() {
    return status + ", " + lease.describe(System.nanoTime());
  }

  Message.SnapshotNeeded snapshotNeeded() {
    return snapshotNeeded;
  }

  /** See {@link PeerProgress#holdsWhatPeersChose}. */
  boolean holdsWhatPeersChose() {
    return progress.holdsWhatPeersChose();
  }

  /** Chosen instances a peer has that this node has not made durable. */
  long catchUpLag() {
    return progress.catchUpLag();
  }

  /** On the node's context only. */
  long firstUnchosen() {
    return node.firstUnchosen();
  }

  /** The members voting at the first unchosen instance, as of the last Ready; any thread. */
  SortedSet<Integer> votingMembers() {
    return members.voting();
  }

  /** The newest member set chosen (maybe not in force yet), as of the last Ready; any thread. */
  SortedSet<Integer> latestMembers() {
    return members.latest();
  }

  /** Voting and newest (maybe not yet in force) members, as of the last tick; on any thread. */
  Set<Integer> memberView() {
    return members.all();
  }

  /** The members at the first unchosen instance; on the node's context only. */
  Set<Integer> members() {
    return node.membersAt(node.firstUnchosen());
  }

  // ---- the loop -------------------------------------------------------------------------------------

  void drive() {
    while (!stopped && fitPipeline() && node.hasReady()) {
      Ready r = node.ready();
      for (Message m : r.send()) {
        sendOut(m);
      }
      if (r.status() != null) {
        onStatusChange(r.status());
      }
      tracker.dropped(r.dropped());
      tracker.inDoubt(r.inDoubt());
      if (r.snapshotNeeded() != null && snapshotNeeded == null) {
        snapshotNeeded = r.snapshotNeeded();
        LOG.error("node {} needs a snapshot: its peers keep values from {} on, it has up to {}", self,
            snapshotNeeded.firstRetained(), node.firstUnchosen());
      }
      deliverEarly(tracker.chosenBeforeDurable(r.chosen()));
      boolean handedOver = withLog.persist(r, () -> {
        if (!stopped) {
          afterDurable(r);
          drive();
        }
      });
      if (!handedOver) {
        afterDurable(r);
      }
    }
  }

  /**
   * Drives once the proposals already queued on the context are in as well: when a chosen value completes
   * many closed loops at once, each proposing again, their proposals then go out as one value rather than
   * one value per Ready while the log has room for more Readys.
   */
  private void driveSoon() {
    if (!driveQueued) {
      driveQueued = true;
      vertx.runOnContext(v -> {
        driveQueued = false;
        drive();
      });
    }
  }

  /** Sets how many Readys may be with the log now; always true, to sit in the loop's condition. */
  private boolean fitPipeline() {
    node.setMaxUnconfirmedReadys(withLog.allowedUnconfirmed());
    return true;
  }

  private void deliverEarly(List<ChosenValue> early) {
    if (!early.isEmpty()) {
      metrics.deliveredEarly().increment(early.size());
      hooks.chosenEarly(early);
    }
  }

  private void afterDurable(Ready r) {
    tracker.persisted(r.persist());
    for (Message m : node.advance()) {
      sendOut(m);
    }
    hooks.persisted();
    List<ChosenValue> chosen = r.chosen();
    if (!chosen.isEmpty()) {
      // Published before proposals complete: whoever a completion wakes sees chosenBelow past its value.
      progress.durableBelow(chosen.get(chosen.size() - 1).instance() + 1);
      for (ChosenValue c : chosen) {
        metrics.chosenValues().increment();
        if (!c.value().entries().isEmpty()) {
          metrics.batchEntries().record(c.value().entries().size());
        }
      }
      tracker.chosenDurable(chosen);
      members.note(node);
      hooks.chosenDurable(chosen);
      for (ChosenValue c : chosen) {
        memory.add(c.instance(), c.value().size());
      }
      long keepFrom = memory.trim();
      if (keepFrom > node.firstRetained()) {
        node.compact(keepFrom);
      }
    }
    // Values chosen in Readys still with the log, whose Accepted records this one made durable.
    deliverEarly(tracker.deliverable());
  }

  private void reportTimings() {
    long now = System.nanoTime();
    if (now - lastReport < REPORT_NANOS) {
      return;
    }
    lastReport = now;
    String r = timings.takeReport(NOTABLE_NANOS);
    long dropped = withLog.takeDroppedAccepts();
    if (r != null || dropped > 0) {
      LOG.info("node {} lease path ({}): {}; {} copies of big accepts dropped while an earlier copy was being"
          + " written", self, status.role(), r == null ? "nothing slow" : r, dropped);
    }
    if (transport != null) {
      for (String link : transport.takeLinkReports(NOTABLE_NANOS)) {
        LOG.info("node {} link {}", self, link);
      }
    }
  }

  private void onStatusChange(Status s) {
    Status before = status;
    lease.note(s);
    status = s;
    if (before == null || before.role() != s.role() || before.leaderHint() != s.leaderHint()) {
      LOG.info("node {}: {} under ballot {}, leader {}", self, s.role(), s.ballot(), s.leaderHint());
    }
    statusListeners.forEach(l -> l.accept(s));
  }

  private void sendOut(Message m) {
    if (m instanceof Message.CatchUp c) {
      hooks.catchUp(c.to(), c.fromInstance());
      return;
    }
    if (m instanceof Message.Renew r) {
      timings.renewSent(r.seq(), System.nanoTime());
    }
    transport.send(MessageCodec.encode(m));
  }
}
