package io.paxosql.transport;

import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.PaxosTransportGrpcClient;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outgoing link to one peer: a long-lived client stream of envelopes, reopened with exponential
 * backoff (plus jitter) whenever it fails. Messages wait in a bounded buffer while the link is down or
 * its write queue is full; beyond that they are dropped, which Paxos tolerates (it retransmits).
 *
 * <p>Messages sent in one turn of the owning context leave together at the end of that turn, as one
 * message of the stream ({@link EnvelopeBatches}): vertx-grpc flushes every message it writes, so with
 * TLS each one would cost its own record and socket write. No timer is involved: the flush is the next
 * task of the context, so nothing waits past the turn that sent it. Messages too big to share a batch
 * go at once, as before. Used only on the owning context.
 */
final class PeerChannel {
  private static final Logger LOG = LoggerFactory.getLogger(PeerChannel.class);
  static final int MAX_BUFFERED = 10_000;
  /**
   * Bytes buffered per peer while its stream is down or full. Values of a large transaction are MiBs each
   * and the leader retransmits unanswered accepts every few ticks: a count alone let a slow follower's
   * queue grow to GiBs (measured: a 50 MB transaction filled a 2 GiB heap). Beyond this, messages are
   * dropped; Paxos resends what matters.
   */
  static final long MAX_BUFFERED_BYTES = 64L << 20;

  private final Vertx vertx;
  private final Context context;
  private final EnvelopeBatches batches;
  private final PaxosTransportGrpcClient client;
  private final TransportConfig cfg;
  private final int peer;
  /** A message waiting for the stream, and when it was handed to this channel (System.nanoTime). */
  private record Queued(Envelope envelope, int size, long at) {}

  private final ArrayDeque<Queued> buffered = new ArrayDeque<>();
  private final LinkTimings timings = new LinkTimings();
  /** Bytes handed to the stream whose write has not completed yet (HTTP/2 window, socket). */
  private long writingBytes;
  /** Bumped whenever the stream changes: completions of writes on an earlier stream count for nothing. */
  private long generation;
  private long bufferedBytes;
  private WriteStream<Envelope> stream;
  private boolean connecting;
  private boolean closed;
  /** A flush of what this turn sent is queued on the context. */
  private boolean flushQueued;
  private long backoffMillis;
  private long timer = -1;
  long dropped;
  long connects;

  /** {@code context}: the owning context, which every call comes from. */
  PeerChannel(Vertx vertx, Context context, PaxosTransportGrpcClient client, TransportConfig cfg, int peer) {
    this.vertx = vertx;
    this.context = context;
    this.batches = new EnvelopeBatches(cfg.maxMessageBytes());
    this.client = client;
    this.cfg = cfg;
    this.peer = peer;
    this.backoffMillis = cfg.backoffMin().toMillis();
  }

  void send(Envelope e) {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    int size = e.getSerializedSize();
    // A copy of this accept is still queued or being written on this stream, which delivers it unless it
    // breaks (and then the copies are forgotten): a second copy of megabytes would only delay what follows.
    if (timings.onItsWay(e, size)) {
      timings.duplicateDropped();
      return;
    }
    timings.queued(e, size, bufferedBytes + writingBytes);
    boolean ready = stream != null && buffered.isEmpty() && !stream.writeQueueFull();
    if (ready && batches.alone(size)) {
      write(List.of(new Queued(e, size, now)));
      return;
    }
    // Bounds apply to messages that wait for the stream; this turn's, bound for a stream with room, only
    // wait for the turn's end, as when each was handed to the stream at once.
    boolean waiting = stream == null || stream.writeQueueFull();
    if (waiting && (buffered.size() >= MAX_BUFFERED
        || (!buffered.isEmpty() && bufferedBytes + size > MAX_BUFFERED_BYTES))) {
      dropped++;
      timings.discarded(e, size);
      return;
    }
    buffered.add(new Queued(e, size, now));
    bufferedBytes += size;
    if (stream == null) {
      connect();
    } else if (!flushQueued) {
      flushQueued = true;
      context.runOnContext(v -> {
        flushQueued = false;
        flush();
      });
    }
  }

  /** The peer just reached us, so it is up: reconnect now rather than when the backoff ends. */
  void peerIsBack() {
    if (stream == null && timer >= 0 && !closed) {
      vertx.cancelTimer(timer);
      timer = -1;
      backoffMillis = cfg.backoffMin().toMillis();
      connect();
    }
  }

  /** Opens the link now rather than at the first message (a peer about to vote must be reachable at once). */
  void open() {
    if (stream == null) {
      connect();
    }
  }

  boolean connected() {
    return stream != null;
  }

  void close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (stream != null) {
      stream.end();
      stream = null;
    }
    buffered.clear();
    bufferedBytes = 0;
    lostWhatWasWriting();
  }

  /** The stream is gone with whatever was being written on it; what is buffered waits for the next one. */
  private void lostWhatWasWriting() {
    generation++;
    writingBytes = 0;
    timings.cleared();
    for (Queued q : buffered) {
      timings.stillBuffered(q.envelope(), q.size());
    }
  }

  private void connect() {
    if (connecting || closed || timer >= 0) {
      return;
    }
    connecting = true;
    client.messages((ws, err) -> {
      connecting = false;
      if (err != null) {
        retryLater(err);
        return;
      }
      if (closed) {
        ws.end();
        return;
      }
      connects++;
      generation++;
      stream = ws;
      backoffMillis = cfg.backoffMin().toMillis();
      ws.drainHandler(v -> flush());
      flush();
    }).onComplete((ack, err) -> {
      // The peer ended or broke the stream: it restarted, closed, or rejected us.
      if (stream != null) {
        stream = null;
        lostWhatWasWriting();
        retryLater(err != null ? err : new IllegalStateException("peer ended the stream"));
      }
    });
  }

  private void flush() {
    while (stream != null && !buffered.isEmpty() && !stream.writeQueueFull()) {
      List<Queued> run = batches.nextRun(buffered, Queued::size);
      for (Queued q : run) {
        bufferedBytes -= q.size();
      }
      write(run);
    }
  }

  /** Writes {@code run} (in order, not empty) as one message of the stream. */
  private void write(List<Queued> run) {
    List<Envelope> envelopes = new ArrayList<>(run.size());
    long bytes = 0;
    for (Queued q : run) {
      envelopes.add(q.envelope());
      bytes += q.size();
    }
    long size = bytes;
    writingBytes += size;
    long gen = generation;
    stream.write(EnvelopeBatches.wrap(envelopes)).onComplete((v, err) -> {
      if (gen == generation) {
        writingBytes -= size;
        long now = System.nanoTime();
        for (Queued q : run) {
          timings.written(q.envelope(), q.size(), now - q.at());
        }
      }
    });
  }

  /** This link's timings since the last call, or null if nothing reached {@code notableNanos}. */
  String takeReport(long notableNanos) {
    return timings.takeReport(notableNanos);
  }

  private void retryLater(Throwable cause) {
    if (closed) {
      return;
    }
    long delay = backoffMillis + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
    LOG.debug("link {} -> {} down ({}); retrying in {} ms", cfg.nodeId(), peer, cause.toString(), delay);
    backoffMillis = Math.min(backoffMillis * 2, cfg.backoffMax().toMillis());
    timer = vertx.setTimer(delay, id -> {
      timer = -1;
      if (!buffered.isEmpty()) {
        connect();
      }
    });
  }
}
