package io.paxosql.node;

import io.paxosql.proxy.MasterLocator;
import io.paxosql.proxy.MasterRoute;
import io.paxosql.proxy.ReadBarrier;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's answer to the RO port: read indexes from the master (the member-only ReadIndex call on its
 * Paxos port, or this node's own chain when it is the master) and the local replica lag.
 *
 * <p>Read indexes are batched the usual way: statements that ask while a request is in flight
 * share the <em>next</em> request, never the one in flight (its answer may predate them), so at
 * most one request per round trip leaves this node whatever the read rate.
 */
final class NodeReadBarrier implements ReadBarrier {
  private static final Logger LOG = LoggerFactory.getLogger(NodeReadBarrier.class);
  private final MasterLocator locator;
  private final Supplier<Future<String>> localReadIndex;
  private final IntFunction<Future<String>> remoteReadIndex;
  private final LongSupplier lagMs;
  private final Vertx vertx;
  private final long timeoutMs;
  private Promise<String> queued;
  private boolean fetching;

  /** @param remoteReadIndex asks master node N for its read index (a member-only call) */
  NodeReadBarrier(Vertx vertx, MasterLocator locator, Supplier<Future<String>> localReadIndex,
      IntFunction<Future<String>> remoteReadIndex, LongSupplier lagMs, long timeoutMs) {
    this.locator = locator;
    this.localReadIndex = localReadIndex;
    this.remoteReadIndex = remoteReadIndex;
    this.lagMs = lagMs;
    this.timeoutMs = timeoutMs;
    this.vertx = vertx;
  }

  @Override
  public Future<String> readIndex() {
    synchronized (this) {
      if (queued == null) {
        queued = Promise.promise();
      }
      Future<String> mine = queued.future();
      if (!fetching) {
        startFetch();
      }
      return mine;
    }
  }

  /** Called holding the lock: sends one request for every statement queued so far. */
  private void startFetch() {
    Promise<String> batch = queued;
    queued = null;
    fetching = true;
    Future<String> f;
    f = fetchUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    f.onComplete(ar -> {
      synchronized (this) {
        fetching = false;
        if (queued != null) {
          startFetch();
        }
      }
      batch.handle(ar);
    });
  }

  /**
   * Asks until {@code deadline}: during an election or while the master is still promoting there is
   * briefly no one to ask, and a read that waits a moment beats one refused at once.
   */
  private Future<String> fetchUntil(long deadline) {
    Future<String> once;
    try {
      once = fetchOnce();
    } catch (RuntimeException e) {
      once = Future.failedFuture(e);
    }
    return once.recover(e -> {
      if (System.nanoTime() + RETRY_NANOS >= deadline) {
        return Future.failedFuture(e);
      }
      Promise<String> next = Promise.promise();
      vertx.setTimer(RETRY_NANOS / 1_000_000, id -> fetchUntil(deadline).onComplete(next));
      return next.future();
    });
  }

  private static final long RETRY_NANOS = 50_000_000L;

  private Future<String> fetchOnce() {
    MasterRoute r = locator.current();
    LOG.debug("read index: asking {}", r);
    if (r instanceof MasterRoute.Local) {
      return localReadIndex.get();
    }
    if (r instanceof MasterRoute.None none) {
      return Future.failedFuture("no master: " + none.reason());
    }
    MasterRoute.Remote remote = (MasterRoute.Remote) r;
    return remoteReadIndex.apply(Integer.parseInt(remote.nodeId()))
        .recover(e -> Future.failedFuture("master node " + remote.nodeId() + ": " + e.getMessage()));
  }

  @Override
  public long replicaLagMs() {
    return lagMs.getAsLong();
  }
}
