package io.paxosql.node.replog;

import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Message;
import io.paxosql.transport.MessageCodec;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.StoredValue;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the chosen values this node lacks from a peer. The core asks by an outgoing CatchUp message;
 * instead of the core's request/reply it becomes one gRPC stream from the peer's log ({@link CatchUpServer}
 * on the other side), whose batches are stepped into the core as Values messages. At most one stream is
 * open; it is paused while too many batches wait for the disk, and dropped when it stalls.
 * A peer that answers "snapshot needed" (its retention deleted what this node lacks) is not the last word:
 * the other members are asked in turn, and only once every one refused does the core learn that a snapshot
 * is needed (which ends catch-up until the node is rebuilt). Members delete on their own schedules, so one
 * may still keep what the fastest deleted; the node is then merely behind and catches up from it.
 * Runs on the node's context.
 */
final class CatchUpClient {
  private static final Logger LOG = LoggerFactory.getLogger(CatchUpClient.class);
  /** Batches stepped into the core but not yet persisted, beyond which the stream is paused: the disk sets the pace. */
  private static final int MAX_UNPERSISTED_BATCHES = 64;

  private final Vertx vertx;
  private final ReplogOptions opts;
  private final CoreDriver driver;
  private final int self;
  private final long clusterId;
  /** The stream being read, a placeholder while one is being opened, or null. */
  private ReadStream<ValuesBatch> stream;
  private int unpersistedBatches;
  // The figures of the catch-up under way, for one log line when it completes; target < 0 when none is.
  private long startNanos;
  private long bytes;
  private long fromInstance;
  private long target = -1;
  /** Who refused catch-up from {@link #refusedFrom} on, and their answers. */
  private final Map<Integer, Message.SnapshotNeeded> refusals = new TreeMap<>();
  private long refusedFrom = -1;
  /** Members that could not be reached when asked after a refusal: they cannot help either. */
  private final Set<Integer> unreachable = new TreeSet<>();

  CatchUpClient(Vertx vertx, ReplogOptions opts, CoreDriver driver) {
    this.vertx = vertx;
    this.opts = opts;
    this.driver = driver;
    this.self = opts.paxos().nodeId();
    this.clusterId = opts.paxos().clusterId();
  }

  /** Opens a stream from {@code peer} starting at {@code from}, unless one is open or cannot help. */
  void start(int asked, long from) {
    if (stream != null || driver.stopped() || driver.snapshotNeeded() != null) {
      return;
    }
    int peer = asked;
    if (from == refusedFrom && refusals.containsKey(asked)) {
      // The core asks whoever reported the most; that one deleted what is needed: ask another member.
      Optional<Integer> other = notRefused();
      if (other.isEmpty()) {
        return;
      }
      peer = other.get();
    }
    int source = peer;
    stream = new PlaceholderStream();
    driver.transport().catchUp(peer, CatchUpRequest.newBuilder().setClusterId(clusterId).setFrom(self)
        .setFromInstance(from).setMaxValues(opts.catchUpMaxValues()).build()).onComplete((s, err) -> {
          if (err != null) {
            LOG.debug("node {}: catch-up from {} failed to start: {}", self, source, err.toString());
            stream = null;
            if (from == refusedFrom && !refusals.isEmpty()) {
              unreachable.add(source);
              giveUpIfNobodyLeft();
            }
            return;
          }
          stream = s;
          new PeerStream(source, s).listen();
        });
  }

  /** A Ready became durable: the batches stepped so far are on disk, so the stream may flow again. */
  void persisted() {
    unpersistedBatches = 0;
    if (stream != null) {
      stream.resume();
    }
  }

  /** Everything below {@code chosenBelow} is durable here: logs the catch-up's rate once it reached its target. */
  void durableUpTo(long chosenBelow) {
    if (target >= 0 && chosenBelow >= target) {
      double sec = (System.nanoTime() - startNanos) / 1e9;
      LOG.info("node {} caught up [{}, {}): {} MB in {} s ({} MB/s)", self, fromInstance, chosenBelow,
          String.format("%.1f", bytes / 1e6), String.format("%.2f", sec),
          String.format("%.0f", bytes / 1e6 / Math.max(sec, 1e-9)));
      target = -1;
    }
  }

  private void onBatch(int peer, ValuesBatch b) {
    if (driver.stopped()) {
      return;
    }
    driver.notePeerChosenBelow(b.getChosenBelow());
    if (target < 0) {
      startNanos = System.nanoTime();
      bytes = 0;
      fromInstance = driver.firstUnchosen();
    }
    target = Math.max(target, b.getChosenBelow());
    if (b.getSnapshotNeeded()) {
      refused(new Message.SnapshotNeeded(clusterId, peer, self, b.getFirstRetained(), b.getChosenBelow()));
    } else {
      List<ChosenValue> values = new ArrayList<>(b.getValuesCount());
      for (StoredValue sv : b.getValuesList()) {
        values.add(new ChosenValue(sv.getInstance(), MessageCodec.valueFromBytes(sv.getValue().toByteArray())));
        bytes += sv.getValue().size();
      }
      driver.step(new Message.Values(clusterId, peer, self, values, b.getChosenBelow()));
      if (++unpersistedBatches >= MAX_UNPERSISTED_BATCHES && stream != null) {
        stream.pause();
      }
    }
    driver.drive();
  }

  /**
   * A peer no longer keeps what this node needs. The core hears of it (and stops catching up) only once
   * every other member refused too; until then the next one is asked when this stream ends.
   */
  private void refused(Message.SnapshotNeeded s) {
    long from = driver.firstUnchosen();
    if (from != refusedFrom) {
      refusals.clear();
      unreachable.clear();
      refusedFrom = from;
    }
    refusals.put(s.from(), s);
    if (!giveUpIfNobodyLeft()) {
      LOG.info("node {}: node {} keeps its log only from instance {} on, it needs {}: asking another member",
          self, s.from(), s.firstRetained(), from);
    }
  }

  /** Once every other member refused (or could not be reached), the core learns a snapshot is needed. */
  private boolean giveUpIfNobodyLeft() {
    if (notRefused().isPresent()) {
      return false;
    }
    driver.step(refusals.values().stream().min(Comparator.comparingLong(Message.SnapshotNeeded::firstRetained))
        .orElseThrow());
    driver.drive();
    return true;
  }

  /** A member other than this node that has neither refused catch-up from the current point nor been unreachable. */
  private Optional<Integer> notRefused() {
    return driver.members().stream().filter(m -> m != self && !refusals.containsKey(m) && !unreachable.contains(m))
        .findFirst();
  }

  /** When the newest batch of a stream arrived, and the peer's commit point it reported. */
  private record LastBatch(long atNanos, long serverChosenBelow) {}

  /** One open stream from a peer. */
  private final class PeerStream {
    private final int peer;
    private final ReadStream<ValuesBatch> in;
    private LastBatch last = new LastBatch(System.nanoTime(), 0);

    PeerStream(int peer, ReadStream<ValuesBatch> in) {
      this.peer = peer;
      this.in = in;
    }

    void listen() {
      // A stream that stalls (peer hung, batch lost) must not block catch-up forever.
      vertx.setPeriodic(opts.transport().requestTimeout().toMillis(), id -> {
        if (stream == in && System.nanoTime() - last.atNanos() > opts.transport().requestTimeout().toNanos()) {
          LOG.warn("node {}: catch-up stream from {} stalled; dropping it", self, peer);
          stream = null;
          in.handler(null);
          in.endHandler(null);
        }
        if (stream != in) {
          vertx.cancelTimer(id);
        }
      });
      in.handler(b -> {
        last = new LastBatch(System.nanoTime(), b.getChosenBelow());
        onBatch(peer, b);
      });
      in.exceptionHandler(e -> {
        LOG.debug("node {}: catch-up stream from {} broke: {}", self, peer, e.toString());
        stream = null;
      });
      in.endHandler(v -> {
        stream = null;
        // The peer sends at most catchUpMaxValues per stream: ask again while it has more.
        if (!driver.stopped() && driver.snapshotNeeded() == null
            && driver.firstUnchosen() < last.serverChosenBelow()) {
          start(peer, driver.firstUnchosen()); // another member, if this one refused
        }
      });
    }
  }

  /** Stands in for a catch-up stream being opened, so a second one is not started meanwhile. */
  private static final class PlaceholderStream implements ReadStream<ValuesBatch> {
    @Override
    public ReadStream<ValuesBatch> exceptionHandler(Handler<Throwable> h) {
      return this;
    }

    @Override
    public ReadStream<ValuesBatch> handler(Handler<ValuesBatch> h) {
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
    public ReadStream<ValuesBatch> endHandler(Handler<Void> h) {
      return this;
    }
  }
}
