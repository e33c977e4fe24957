package io.paxosql.node.replog;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.log.ReadResult;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.ChosenLog;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.ProposeResult;
import io.paxosql.paxos.Ready;
import io.paxosql.paxos.Status;
import io.paxosql.paxos.Value;
import io.paxosql.transport.FaultInjector;
import io.paxosql.transport.MessageCodec;
import io.paxosql.transport.NodeTransport;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.Progress;
import io.paxosql.transport.proto.ProposeReply;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.StoredValue;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the replicated log: the pure Paxos core, its Chronicle log and its gRPC transport, all
 * driven from one Vert.x context. The loop: take the core's Ready, send what may leave now, hand the
 * records to the log's writer thread, and once they are durable release the held replies, apply the
 * chosen values (completing proposals and feeding followers of the log) and ask for the next Ready.
 * Time enters as a periodic tick; the core has no clock.
 *
 * <p>Catch-up does not go through the core's request/reply: an outgoing CatchUp becomes a gRPC stream
 * from the peer's log, whose batches are stepped into the core as Values messages.
 */
public final class ReplicatedLog implements ChosenLog {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedLog.class);
  private static final int MAX_UNPERSISTED_BATCHES = 64;
  /**
   * Ready values that may be written while earlier ones sync (the core allows several; the log makes them
   * durable in order). Measured with ReplogBench on 2 cores, three runs each: 4 in flight cut the
   * 1-proposer p50 from 1.5 to 1.1 ms but lowered 128 proposers from 14.5k to 12.6k values/s, because
   * the leader then batches whatever is queued more often, into smaller values. One at a time until
   * batching no longer follows the Ready cadence.
   */
  private static final int PIPELINE = 1;
  /** The core keeps chosen values in memory to answer peers; beyond this many bytes they are read from disk. */
  private static final long MEMORY_BYTES = 64L << 20;

  private final Vertx vertx;
  private final Context context;
  private final ReplogOptions opts;
  private final FaultInjector faults;
  private final int self;
  private final long clusterId;
  private PaxosLog log;
  private PaxosNode node;
  private NodeTransport transport;

  private final long pidBase = new SecureRandom().nextLong() & ~0xFFFF_FFFFL;
  private long pidNext;
  private final Map<Long, Promise<LogPosition>> pending = new HashMap<>();
  private final TreeMap<Long, List<Runnable>> waitDurable = new TreeMap<>();
  private final List<Subscription> subscriptions = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Consumer<Status>> statusListeners = new CopyOnWriteArrayList<>();
  private final Map<Integer, long[]> progress = new HashMap<>();
  /** Values this node has durably accepted and not yet seen chosen: instance → value. */
  private final TreeMap<Long, Value> acceptedDurable = new TreeMap<>();
  /** (instance, size) of the chosen values the core holds in memory, oldest first. */
  private final java.util.ArrayDeque<long[]> inMemory = new java.util.ArrayDeque<>();
  private long inMemoryBytes;
  /** Ready values handed to the log and not yet durable; the log makes them durable in order. */
  private int persisting;
  // Written on the node's context, read by callers on any thread.
  private volatile long durableChosenBelow;
  private long appliedMark = -1;
  private volatile long peerChosenBelow;
  /** Until a peer reported its progress, peerChosenBelow says nothing about how far behind this node is. */
  private volatile boolean progressHeard;
  private volatile Status status;
  private volatile Message.SnapshotNeeded snapshotNeeded;
  private ReadStream<ValuesBatch> catchUpStream;
  private int unpersistedBatches;
  private long catchUpStartNanos;
  private long catchUpBytes;
  private long catchUpFrom;
  private long catchUpTarget = -1;
  private long tickTimer = -1;
  private final long tickNanos;
  /** The wall time (System.nanoTime) of the core's current tick. */
  private long tickClock;
  /** When the lease this node holds ends in wall time, so a stalled event loop cannot stretch it. */
  private volatile long leaseEndsAtNanos = Long.MIN_VALUE;
  private long retentionTimer = -1;
  private boolean stopped;
  private String deployment;

  private final Counter proposals;
  private final Counter proposalsFailed;
  private final Counter chosenValues;
  private final DistributionSummary batchEntries;
  private final MeterRegistry registry;

  private ReplicatedLog(Vertx vertx, Context context, ReplogOptions opts, FaultInjector faults, MeterRegistry reg) {
    this.vertx = vertx;
    this.context = context;
    this.opts = opts;
    this.faults = faults;
    this.self = opts.paxos().nodeId();
    this.registry = reg;
    this.clusterId = opts.paxos().clusterId();
    this.tickNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(opts.tickMillis());
    String node = String.valueOf(self);
    this.proposals = Counter.builder("paxosql.replog.proposals").tag("node", node).register(reg);
    this.proposalsFailed = Counter.builder("paxosql.replog.proposals.failed").tag("node", node).register(reg);
    this.chosenValues = Counter.builder("paxosql.replog.chosen").tag("node", node).register(reg);
    this.batchEntries = DistributionSummary.builder("paxosql.replog.batch.entries").tag("node", node)
        .description("proposals per chosen value").register(reg);
    Gauge.builder("paxosql.replog.catchup.lag", this, r -> Math.max(0, r.peerChosenBelow - r.durableChosenBelow))
        .tag("node", node).description("chosen instances a peer has that this node has not made durable").register(reg);
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
    return vertx.executeBlocking(() -> {
      PaxosLog l = PaxosLog.open(opts.log().withRegistry(registry),
          task -> context.runOnContext(v -> task.run()), this::fatal);
      long chosenBelow = l.chosenBelow();
      // The newest values that fit the memory bounds, so the core can answer peers right away.
      long firstKept = chosenBelow;
      long bytes = 0;
      List<LogRecord.Chosen> recent = new ArrayList<>();
      while (firstKept > l.firstRetained() && chosenBelow - firstKept < opts.memoryValues() && bytes < MEMORY_BYTES) {
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
      return new Object[] {l, RecordMapping.toCore(l.recovered(), firstKept, recent)};
    }).compose(res -> {
      log = (PaxosLog) res[0];
      node = new PaxosNode(opts.paxos(), (io.paxosql.paxos.PersistentState) res[1]);
      node.setMaxUnconfirmedReadys(PIPELINE);
      node.setCampaignAllowed(true);
      durableChosenBelow = log.chosenBelow();
      status = node.status();
      for (long i = node.firstRetained(); i < durableChosenBelow; i++) {
        Value v = node.chosen(i);
        if (v != null) {
          inMemory.add(new long[] {i, v.size()});
          inMemoryBytes += v.size();
        }
      }
      return NodeTransport.start(vertx, opts.transport(), faults, new Handler());
    }).map(t -> {
      transport = t;
      // The core's clock must follow real time: after a stall (GC, an overloaded machine) the node ticks as
      // often as it missed, so it never believes in a lease longer than its peers honour it. The simulator's
      // stalls show the lease overlapping without this (Simulator.resume).
      tickClock = System.nanoTime();
      tickTimer = vertx.setPeriodic(opts.tickMillis(), id -> {
        long due = (System.nanoTime() - tickClock) / tickNanos;
        tickClock += due * tickNanos;
        for (long i = 0; i < due; i++) {
          node.tick();
        }
        if (due > 0) {
          noteLeaseEnd(node.status());
          drive();
        }
      });
      retentionTimer = vertx.setPeriodic(opts.retentionEvery().toMillis(), id -> exchangeProgressAndRetain());
      // Peers that gave up on this node back off; a first message tells them it is back.
      exchangeProgressAndRetain();
      LOG.info("node {} started: chosen [{}, {}) on disk, transport port {}", self, log.firstRetained(),
          durableChosenBelow, t.port());
      return this;
    });
  }

  // ---- the public service ---------------------------------------------------------------------------

  /**
   * Proposes {@code bytes}. Completes with the position (instance id, index in its batch) once the value
   * is chosen and durable on this node: as a Chosen record, or as the accepted value that got chosen, in
   * which case its Chosen record follows a moment later ({@link #chosenBelow()}, reads and followers of
   * the log catch up then). A follower forwards to the leader, or fails with "not leader: <leader>" when
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
    if (stopped) {
      p.fail("node " + self + " is stopped");
      return;
    }
    proposals.increment();
    long pid = pidBase | (pidNext++ & 0xFFFF_FFFFL);
    ProposeResult r = node.propose(pid, bytes);
    switch (r.outcome()) {
      case QUEUED -> {
        pending.put(pid, p);
        drive();
      }
      case NOT_LEADER -> forward(bytes, r.leaderHint(), p);
      default -> fail(p, r.outcome() + ": " + r.detail());
    }
  }

  private void forward(byte[] bytes, int leader, Promise<LogPosition> p) {
    if (!opts.forwardProposals() || leader < 0 || leader == self) {
      fail(p, "not leader: " + (leader < 0 ? "unknown" : String.valueOf(leader)));
      return;
    }
    transport.propose(leader, ProposeRequest.newBuilder().setClusterId(clusterId).setFrom(self)
        .setData(ByteString.copyFrom(bytes)).build()).onComplete((reply, err) -> {
          if (err != null) {
            fail(p, "forwarding to leader " + leader + " failed: " + err.getMessage());
          } else if (reply.hasError()) {
            fail(p, reply.getError());
          } else {
            LogPosition pos = new LogPosition(reply.getInstance(), reply.getIndex());
            whenDurable(pos.instance(), () -> p.tryComplete(pos));
          }
        });
  }

  private void fail(Promise<?> p, String why) {
    proposalsFailed.increment();
    p.tryFail(why);
  }

  @Override
  public AutoCloseable follow(LogPosition from, Consumer<ChosenEntry> listener) {
    Subscription s = new Subscription(from, listener);
    context.runOnContext(v -> {
      subscriptions.add(s);
      s.pump();
    });
    return () -> context.runOnContext(v -> {
      s.closed = true;
      subscriptions.remove(s);
    });
  }

  @Override
  public Future<List<ChosenEntry>> read(LogPosition from, int max) {
    long start = Math.max(from.instance(), log.firstRetained());
    return Future.fromCompletionStage(log.read(start, max, 16 << 20), context).map(rr -> {
      if (rr.snapshotNeeded()) {
        throw new IllegalStateException("snapshot needed: this node's log starts at " + rr.firstRetained());
      }
      List<ChosenEntry> out = new ArrayList<>();
      for (LogRecord.Chosen c : rr.values()) {
        entries(c.instance(), MessageCodec.valueFromBytes(c.value()), from, out);
        if (out.size() >= max) {
          return out.subList(0, max);
        }
      }
      return out;
    });
  }

  /** One past the last instance chosen and durable here. */
  public long chosenBelow() {
    return durableChosenBelow;
  }

  public long firstRetained() {
    return log.firstRetained();
  }

  /** The core's latest status (role, leader, lease). Read it on any thread; it is replaced, not mutated. */
  public Status status() {
    return status;
  }

  /** Whether this node may campaign for the lease; the cluster allows it only while its MariaDB is caught up. */
  public void setCampaignAllowed(boolean allowed) {
    context.runOnContext(v -> node.setCampaignAllowed(allowed));
  }

  /** Gives up leadership and the lease at once (planned switchover, or a master whose MariaDB failed). */
  public void resign() {
    context.runOnContext(v -> {
      if (!stopped) {
        node.resign();
        drive();
      }
    });
  }

  /**
   * Whether this node's followers of the log have delivered everything this node holds, and this
   * node holds everything its peers reported chosen: views derived from the log (the chain) are then
   * current, not still being rebuilt after a restart.
   */
  public boolean caughtUp() {
    return progressHeard && peerChosenBelow <= durableChosenBelow && subscriptions.stream().allMatch(s -> s.live);
  }

  /**
   * Whether this node holds the master lease now, in wall time: the core's view is only as fresh as the
   * last tick, and an event loop stalled since then must not make an expired lease look held.
   */
  public boolean holdsLease() {
    Status s = status;
    return s != null && s.holdsLease() && System.nanoTime() - leaseEndsAtNanos < 0;
  }

  private void noteLeaseEnd(Status s) {
    leaseEndsAtNanos = s.holdsLease() ? tickClock + (s.leaseUntil() - s.now()) * tickNanos : Long.MIN_VALUE;
  }

  /** Called on the node's context whenever leadership or the lease changes. */
  public void onStatus(Consumer<Status> listener) {
    statusListeners.add(listener);
  }

  /** Set when a peer no longer holds the values this node lacks: it must be rebuilt from a snapshot. */
  public Message.SnapshotNeeded snapshotNeeded() {
    return snapshotNeeded;
  }

  /** The application applied everything below {@code instance}; retention never deletes what a member still needs. */
  public void applied(long instance) {
    context.runOnContext(v -> appliedMark = Math.max(appliedMark, instance));
  }

  /** Runs {@code r} on this node's context (tests block it there to stall the node's event loop). */
  void onContext(Runnable r) {
    context.runOnContext(v -> r.run());
  }

  public int port() {
    return transport.port();
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
    stopped = true;
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(retentionTimer);
  }

  private void fatal(Throwable t) {
    LOG.error("node {}: the log failed; stopping this node so it cannot vote on state it did not persist", self, t);
    context.runOnContext(v -> {
      if (!stopped) {
        stopTimers();
        transport.close();
      }
    });
  }

  // ---- the drive loop -------------------------------------------------------------------------------

  private void drive() {
    while (!stopped && node.hasReady()) {
      Ready r = node.ready();
      for (Message m : r.send()) {
        sendOut(m);
      }
      if (r.status() != null) {
        onStatusChange(r.status());
      }
      for (long pid : r.dropped()) {
        Promise<LogPosition> p = pending.remove(pid);
        if (p != null) {
          fail(p, "not chosen: leadership moved before it was proposed; retry");
        }
      }
      for (long pid : r.inDoubt()) {
        Promise<LogPosition> p = pending.remove(pid);
        if (p != null) {
          fail(p, "in doubt: leadership moved while it was being proposed; it may still be chosen");
        }
      }
      if (r.snapshotNeeded() != null && snapshotNeeded == null) {
        snapshotNeeded = r.snapshotNeeded();
        LOG.error("node {} needs a snapshot: its peers keep values from {} on, it has up to {}", self,
            snapshotNeeded.firstRetained(), node.firstUnchosen());
      }
      completeEarly(r.chosen());
      List<LogRecord> records = RecordMapping.toLog(r.persist());
      if (records.isEmpty() && persisting == 0) {
        afterDurable(r);
        continue;
      }
      // Even with nothing to write, a Ready behind others in flight is confirmed after them, in order.
      persisting++;
      log.persist(records, () -> {
        persisting--;
        if (!stopped) {
          afterDurable(r);
          drive();
        }
      });
    }
  }

  /**
   * A value this node already holds durably as accepted is chosen and durable here even before its
   * Chosen record is written, so its proposals complete now: one fsync less on the commit path. The
   * Chosen record follows in this Ready; after a crash the node learns the choice again from its peers.
   */
  private void completeEarly(List<ChosenValue> chosen) {
    for (ChosenValue c : chosen) {
      Value held = acceptedDurable.get(c.instance());
      if (held != null && held.equals(c.value())) {
        completeProposals(c);
      }
    }
    if (!chosen.isEmpty()) {
      acceptedDurable.headMap(chosen.get(chosen.size() - 1).instance(), true).clear();
    }
  }

  private void completeProposals(ChosenValue c) {
    List<Entry> entries = c.value().entries();
    for (int i = 0; i < entries.size(); i++) {
      Promise<LogPosition> p = pending.remove(entries.get(i).proposalId());
      if (p != null) {
        p.tryComplete(new LogPosition(c.instance(), i));
      }
    }
  }

  private void afterDurable(Ready r) {
    for (Durable d : r.persist()) {
      if (d instanceof Durable.Accepted a && a.instance() >= durableChosenBelow) {
        acceptedDurable.put(a.instance(), a.value());
      }
    }
    for (Message m : node.advance()) {
      sendOut(m);
    }
    unpersistedBatches = 0;
    if (catchUpStream != null) {
      catchUpStream.resume();
    }
    if (r.chosen().isEmpty()) {
      return;
    }
    durableChosenBelow = r.chosen().get(r.chosen().size() - 1).instance() + 1;
    for (ChosenValue c : r.chosen()) {
      chosenValues.increment();
      if (!c.value().entries().isEmpty()) {
        batchEntries.record(c.value().entries().size());
      }
      completeProposals(c);
    }
    if (catchUpTarget >= 0 && durableChosenBelow >= catchUpTarget) {
      double sec = (System.nanoTime() - catchUpStartNanos) / 1e9;
      LOG.info("node {} caught up [{}, {}): {} MB in {} s ({} MB/s)", self, catchUpFrom, durableChosenBelow,
          String.format("%.1f", catchUpBytes / 1e6), String.format("%.2f", sec),
          String.format("%.0f", catchUpBytes / 1e6 / Math.max(sec, 1e-9)));
      catchUpTarget = -1;
    }
    while (!waitDurable.isEmpty() && waitDurable.firstKey() < durableChosenBelow) {
      waitDurable.pollFirstEntry().getValue().forEach(Runnable::run);
    }
    for (Subscription s : new ArrayList<>(subscriptions)) {
      if (s.live) {
        for (ChosenValue c : r.chosen()) {
          s.deliver(c.instance(), c.value());
        }
      }
    }
    for (ChosenValue c : r.chosen()) {
      inMemory.add(new long[] {c.instance(), c.value().size()});
      inMemoryBytes += c.value().size();
    }
    long keepFrom = -1;
    while (!inMemory.isEmpty() && (inMemory.size() > opts.memoryValues() || inMemoryBytes > MEMORY_BYTES)) {
      long[] oldest = inMemory.poll();
      inMemoryBytes -= oldest[1];
      keepFrom = oldest[0] + 1;
    }
    if (keepFrom > node.firstRetained()) {
      node.compact(keepFrom);
    }
  }

  private void whenDurable(long instance, Runnable r) {
    if (instance < durableChosenBelow) {
      r.run();
    } else {
      waitDurable.computeIfAbsent(instance, k -> new ArrayList<>(1)).add(r);
    }
  }

  private void onStatusChange(Status s) {
    Status before = status;
    noteLeaseEnd(s);
    status = s;
    if (before == null || before.role() != s.role() || before.leaderHint() != s.leaderHint()) {
      LOG.info("node {}: {} under ballot {}, leader {}", self, s.role(), s.ballot(), s.leaderHint());
    }
    statusListeners.forEach(l -> l.accept(s));
  }

  private void sendOut(Message m) {
    if (m instanceof Message.CatchUp c) {
      startCatchUp(c.to(), c.fromInstance());
      return;
    }
    transport.send(MessageCodec.encode(m));
  }

  // ---- catch-up by stream ---------------------------------------------------------------------------

  private void startCatchUp(int peer, long from) {
    if (catchUpStream != null || stopped || snapshotNeeded != null) {
      return;
    }
    catchUpStream = new PlaceholderStream();
    transport.catchUp(peer, CatchUpRequest.newBuilder().setClusterId(clusterId).setFrom(self).setFromInstance(from)
        .setMaxValues(opts.catchUpMaxValues()).build()).onComplete((stream, err) -> {
          if (err != null) {
            LOG.debug("node {}: catch-up from {} failed to start: {}", self, peer, err.toString());
            catchUpStream = null;
            return;
          }
          catchUpStream = stream;
          long[] serverChosenBelow = {0};
          long[] lastBatch = {System.nanoTime()};
          // A stream that stalls (peer hung, batch lost) must not block catch-up forever.
          long watchdog = vertx.setPeriodic(opts.transport().requestTimeout().toMillis(), id -> {
            if (catchUpStream == stream && System.nanoTime() - lastBatch[0]
                > opts.transport().requestTimeout().toNanos()) {
              LOG.warn("node {}: catch-up stream from {} stalled; dropping it", self, peer);
              catchUpStream = null;
              stream.handler(null);
              stream.endHandler(null);
            }
            if (catchUpStream != stream) {
              vertx.cancelTimer(id);
            }
          });
          stream.handler(b -> {
            lastBatch[0] = System.nanoTime();
            serverChosenBelow[0] = b.getChosenBelow();
            onCatchUpBatch(peer, b);
          });
          stream.exceptionHandler(e -> {
            LOG.debug("node {}: catch-up stream from {} broke: {}", self, peer, e.toString());
            catchUpStream = null;
          });
          stream.endHandler(v -> {
            catchUpStream = null;
            if (!stopped && snapshotNeeded == null && node.firstUnchosen() < serverChosenBelow[0]) {
              startCatchUp(peer, node.firstUnchosen());
            }
          });
        });
  }

  private void onCatchUpBatch(int peer, ValuesBatch b) {
    if (stopped) {
      return;
    }
    peerChosenBelow = Math.max(peerChosenBelow, b.getChosenBelow());
    progressHeard = true;
    if (catchUpTarget < 0) {
      catchUpStartNanos = System.nanoTime();
      catchUpBytes = 0;
      catchUpFrom = node.firstUnchosen();
    }
    catchUpTarget = Math.max(catchUpTarget, b.getChosenBelow());
    if (b.getSnapshotNeeded()) {
      node.step(new Message.SnapshotNeeded(clusterId, peer, self, b.getFirstRetained(), b.getChosenBelow()));
    } else {
      List<ChosenValue> values = new ArrayList<>(b.getValuesCount());
      for (StoredValue sv : b.getValuesList()) {
        values.add(new ChosenValue(sv.getInstance(), MessageCodec.valueFromBytes(sv.getValue().toByteArray())));
        catchUpBytes += sv.getValue().size();
      }
      node.step(new Message.Values(clusterId, peer, self, values, b.getChosenBelow()));
      if (++unpersistedBatches >= MAX_UNPERSISTED_BATCHES && catchUpStream != null) {
        catchUpStream.pause();
      }
    }
    drive();
  }

  /** Serves a peer's catch-up from this node's log, in batches, honouring the stream's back-pressure. */
  private void serveCatchUp(CatchUpRequest r, WriteStream<ValuesBatch> out) {
    long end = Math.min(durableChosenBelow, r.getFromInstance() + Math.max(1, r.getMaxValues()));
    serveFrom(r.getFromInstance(), end, out);
  }

  private void serveFrom(long next, long end, WriteStream<ValuesBatch> out) {
    if (next >= end || stopped) {
      out.end();
      return;
    }
    Future.fromCompletionStage(log.read(next, 4096, opts.catchUpBatchBytes()), context).onComplete((rr, err) -> {
      if (err != null) {
        LOG.warn("node {}: catch-up read at {} failed: {}", self, next, err.toString());
        out.end();
        return;
      }
      ValuesBatch.Builder b = ValuesBatch.newBuilder().setChosenBelow(durableChosenBelow)
          .setFirstRetained(rr.firstRetained());
      if (rr.snapshotNeeded()) {
        out.write(b.setSnapshotNeeded(true).build());
        out.end();
        return;
      }
      long n = next;
      for (LogRecord.Chosen c : rr.values()) {
        if (c.instance() >= end) {
          break;
        }
        b.addValues(StoredValue.newBuilder().setInstance(c.instance()).setValue(ByteString.copyFrom(c.value())));
        n = c.instance() + 1;
      }
      if (n == next) {
        out.end();
        return;
      }
      out.write(b.build());
      long after = n;
      if (out.writeQueueFull()) {
        out.drainHandler(v -> serveFrom(after, end, out));
      } else {
        serveFrom(after, end, out);
      }
    });
  }

  // ---- retention ------------------------------------------------------------------------------------

  private void exchangeProgressAndRetain() {
    if (stopped) {
      return;
    }
    long applied = appliedMark >= 0 ? Math.min(appliedMark, durableChosenBelow) : durableChosenBelow;
    long now = System.nanoTime();
    progress.put(self, new long[] {applied, now});
    for (int m : node.membersAt(node.firstUnchosen())) {
      if (m != self) {
        transport.send(Envelope.newBuilder().setClusterId(clusterId).setFrom(self).setTo(m)
            .setProgress(Progress.newBuilder().setApplied(applied)).build());
      }
    }
    if (!opts.retention()) {
      return;
    }
    long min = Long.MAX_VALUE;
    long silent = opts.progressTimeout().toNanos();
    for (int m : node.membersAt(node.firstUnchosen())) {
      long[] p = progress.get(m);
      if (p == null) {
        // Never heard of since start: hold everything until it reports or the timeout passes.
        progress.put(m, new long[] {Long.MIN_VALUE, now});
        min = Long.MIN_VALUE;
      } else if (p[0] == Long.MIN_VALUE && now - p[1] < silent) {
        min = Long.MIN_VALUE;
      } else if (now - p[1] < silent) {
        min = Math.min(min, p[0]);
      }
    }
    if (min != Long.MIN_VALUE && min != Long.MAX_VALUE) {
      log.retain(min).thenRun(() -> context.runOnContext(v -> forgetBelow(log.firstRetained())));
    }
  }

  /** The core must not serve from memory what the log no longer holds: one retained range for both. */
  private void forgetBelow(long firstRetained) {
    if (stopped || firstRetained <= node.firstRetained()) {
      return;
    }
    node.compact(firstRetained);
    while (!inMemory.isEmpty() && inMemory.peek()[0] < firstRetained) {
      inMemoryBytes -= inMemory.poll()[1];
    }
  }

  // ---- incoming traffic -----------------------------------------------------------------------------

  private final class Handler implements NodeTransport.Handler {
    @Override
    public void onMessage(Envelope e) {
      if (stopped) {
        return;
      }
      if (e.hasProgress()) {
        progress.put(e.getFrom(), new long[] {e.getProgress().getApplied(), System.nanoTime()});
        return;
      }
      Message m;
      try {
        m = MessageCodec.decode(e);

      } catch (IllegalArgumentException ex) {
        LOG.warn("node {}: dropping a malformed message from node {}: {}", self, e.getFrom(), ex.getMessage());
        return;
      }
      notePeerChosenBelow(m);
      node.step(m);
      drive();
    }

    @Override
    public Future<ProposeReply> onPropose(ProposeRequest r) {
      Promise<LogPosition> p = Promise.promise();
      if (stopped) {
        return Future.succeededFuture(ProposeReply.newBuilder().setError("node " + self + " is stopped").build());
      }
      proposals.increment();
      long pid = pidBase | (pidNext++ & 0xFFFF_FFFFL);
      ProposeResult res = node.propose(pid, r.getData().toByteArray());
      if (!res.queuedOk()) {
        String why = res.outcome() == ProposeResult.Outcome.NOT_LEADER
            ? "not leader: " + (res.leaderHint() < 0 ? "unknown" : String.valueOf(res.leaderHint()))
            : res.outcome() + ": " + res.detail();
        proposalsFailed.increment();
        return Future.succeededFuture(ProposeReply.newBuilder().setError(why).setLeaderHint(res.leaderHint()).build());
      }
      pending.put(pid, p);
      drive();
      return p.future().map(pos -> ProposeReply.newBuilder().setInstance(pos.instance()).setIndex(pos.index())
          .setLeaderHint(self).build())
          .recover(err -> Future.succeededFuture(ProposeReply.newBuilder().setError(err.getMessage()).build()));
    }

    @Override
    public void onCatchUp(CatchUpRequest r, WriteStream<ValuesBatch> out) {
      serveCatchUp(r, out);
    }
  }

  private void notePeerChosenBelow(Message m) {
    long c = -1;
    if (m instanceof Message.Accept a) {
      c = a.chosenBelow();
    } else if (m instanceof Message.Commit k) {
      c = k.chosenBelow();
    } else if (m instanceof Message.Renew r) {
      c = r.chosenBelow();
    } else if (m instanceof Message.Nack n) {
      c = n.chosenBelow();
    }
    peerChosenBelow = Math.max(peerChosenBelow, c);
    progressHeard = true;
  }

  // ---- subscriptions --------------------------------------------------------------------------------

  private static void entries(long instance, Value v, LogPosition from, List<ChosenEntry> out) {
    List<Entry> es = v.entries();
    for (int i = 0; i < es.size(); i++) {
      if (es.get(i) instanceof Entry.Data d) {
        LogPosition pos = new LogPosition(instance, i);
        if (pos.compareTo(from) >= 0) {
          out.add(new ChosenEntry(pos, d.bytes()));
        }
      }
    }
  }

  /** A follower of the log: replays from the disk until it reaches the live point, then gets each new value. */
  private final class Subscription {
    final Consumer<ChosenEntry> listener;
    LogPosition next;
    volatile boolean live;
    boolean closed;

    Subscription(LogPosition from, Consumer<ChosenEntry> listener) {
      this.next = from;
      this.listener = listener;
    }

    void pump() {
      if (closed) {
        return;
      }
      long inst = Math.max(next.instance(), log.firstRetained());
      if (inst >= durableChosenBelow) {
        live = true;
        return;
      }
      Future.fromCompletionStage(log.read(inst, 1024, 8 << 20), context).onComplete((rr, err) -> {
        if (closed) {
          return;
        }
        if (err != null || rr.snapshotNeeded()) {
          LOG.warn("node {}: a follower of the log at {} cannot continue: {}", self, next,
              err != null ? err.toString() : "snapshot needed (log starts at " + rr.firstRetained() + ")");
          return;
        }
        for (LogRecord.Chosen c : rr.values()) {
          deliver(c.instance(), MessageCodec.valueFromBytes(c.value()));
        }
        pump();
      });
    }

    void deliver(long instance, Value v) {
      if (closed || instance < next.instance()) {
        return;
      }
      List<ChosenEntry> out = new ArrayList<>();
      entries(instance, v, next, out);
      next = new LogPosition(instance + 1, 0);
      for (ChosenEntry e : out) {
        listener.accept(e);
      }
    }
  }

  /** Stands in for a catch-up stream being opened, so a second one is not started meanwhile. */
  private static final class PlaceholderStream implements ReadStream<ValuesBatch> {
    @Override
    public ReadStream<ValuesBatch> exceptionHandler(io.vertx.core.Handler<Throwable> h) {
      return this;
    }

    @Override
    public ReadStream<ValuesBatch> handler(io.vertx.core.Handler<ValuesBatch> h) {
      return this;
    }

    @Override
    public ReadStream<ValuesBatch> pause() {
      return this;
    }

    @Override
    public ReadStream<ValuesBatch> resume() {
      return this;
    }

    @Override
    public ReadStream<ValuesBatch> fetch(long amount) {
      return this;
    }

    @Override
    public ReadStream<ValuesBatch> endHandler(io.vertx.core.Handler<Void> h) {
      return this;
    }
  }
}
