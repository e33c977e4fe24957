package io.paxosql.transport;

import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.PaxosTransportGrpcClient;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outgoing link to one peer: a long-lived client stream of envelopes, reopened with exponential
 * backoff (plus jitter) whenever it fails. Messages wait in a bounded buffer while the link is down or
 * its write queue is full; beyond that they are dropped, which Paxos tolerates (it retransmits).
 * Used only on the owning context.
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
  private final PaxosTransportGrpcClient client;
  private final TransportConfig cfg;
  private final int peer;
  /** A message waiting for the stream, and when it was handed to this channel (System.nanoTime). */
  private record Queued(Envelope envelope, long at) {}

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
  private long backoffMillis;
  private long timer = -1;
  long dropped;
  long connects;

  PeerChannel(Vertx vertx, PaxosTransportGrpcClient client, TransportConfig cfg, int peer) {
    this.vertx = vertx;
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
    if (stream != null && buffered.isEmpty() && !stream.writeQueueFull()) {
      write(e, size, now);
      return;
    }
    if (buffered.size() >= MAX_BUFFERED || (!buffered.isEmpty() && bufferedBytes + size > MAX_BUFFERED_BYTES)) {
      dropped++;
      timings.discarded(e, size);
      return;
    }
    buffered.add(new Queued(e, now));
    bufferedBytes += size;
    if (stream == null) {
      connect();
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
      timings.stillBuffered(q.envelope(), q.envelope().getSerializedSize());
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
      Queued q = buffered.poll();
      int size = q.envelope().getSerializedSize();
      bufferedBytes -= size;
      write(q.envelope(), size, q.at());
    }
  }

  private void write(Envelope e, int size, long queuedAt) {
    writingBytes += size;
    long gen = generation;
    stream.write(e).onComplete((v, err) -> {
      if (gen == generation) {
        writingBytes -= size;
        timings.written(e, size, System.nanoTime() - queuedAt);
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
