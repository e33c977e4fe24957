package io.paxosql.transport;

import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.EnvelopeBatch;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * How the envelopes queued for one peer are cut into the messages of its stream. vertx-grpc writes every
 * message as its own HTTP/2 frame and flushes it at once, so with TLS each message costs its own record
 * (an SSLEngine wrap) and its own socket write; a leader's Accept and Commit of one turn cost two of each.
 * Envelopes queued together therefore go as one {@link EnvelopeBatch} message, in their order, as long as
 * the batch stays within {@link #limit()}: at most {@link #TARGET_BYTES} (beyond that a frame fills whole
 * TLS records anyway) and never above the receiver's message limit. An envelope that does not fit a batch
 * starts the next message; one too big for any batch goes alone, unwrapped, exactly as before batches
 * (so the receiver's limit drops that one message and nothing else).
 */
final class EnvelopeBatches {
  /** A batch grows to at most this many bytes: a few TLS records' worth. */
  static final int TARGET_BYTES = 64 << 10;
  /**
   * Upper bound of what the outer envelope adds around its inner ones: cluster id, from and to (at most 11
   * bytes each with their tags, a negative int32 taking 10), the batch field's 2-byte tag and its length.
   */
  static final int HEADER_BYTES = 48;
  /** Upper bound of what each inner envelope adds to its own size: its 1-byte tag and length varint. */
  static final int PER_ENVELOPE_BYTES = 6;

  private final long limit;

  /** {@code maxMessageBytes}: the largest message a peer accepts ({@link TransportConfig#maxMessageBytes}). */
  EnvelopeBatches(long maxMessageBytes) {
    if (maxMessageBytes < HEADER_BYTES + PER_ENVELOPE_BYTES + 1) {
      throw new IllegalArgumentException("maxMessageBytes " + maxMessageBytes + " cannot carry a batch");
    }
    this.limit = Math.min(TARGET_BYTES, maxMessageBytes);
  }

  /** The largest batch this cuts, in serialized bytes. */
  long limit() {
    return limit;
  }

  /** Whether an envelope of {@code size} bytes is too big to share a batch with any other: it goes alone. */
  boolean alone(int size) {
    return batchBytes(size + 1, 2) > limit;
  }

  /** An upper bound of a batch's serialized size, given its inner envelopes' total size and count. */
  static long batchBytes(long innerBytes, int count) {
    return HEADER_BYTES + innerBytes + (long) count * PER_ENVELOPE_BYTES;
  }

  /**
   * Takes from the head of {@code queue} the items the next message carries: the longest run whose batch
   * fits {@link #limit()}, and always at least the head (which then may exceed it, and goes alone).
   * {@code size} gives an item's envelope's serialized size. Empty only when the queue is.
   */
  <T> List<T> nextRun(Deque<T> queue, ToIntFunction<T> size) {
    List<T> run = new ArrayList<>();
    long inner = 0;
    while (!queue.isEmpty()) {
      int s = size.applyAsInt(queue.peekFirst());
      if (!run.isEmpty() && batchBytes(inner + s, run.size() + 1) > limit) {
        break;
      }
      run.add(queue.pollFirst());
      inner += s;
    }
    return run;
  }

  /**
   * The one message that carries {@code run} (not empty, all to the same peer): its only envelope as it is,
   * or a batch envelope with the first one's cluster id, sender and receiver.
   */
  static Envelope wrap(List<Envelope> run) {
    if (run.isEmpty()) {
      throw new IllegalArgumentException("an empty run has no message");
    }
    Envelope first = run.get(0);
    if (run.size() == 1) {
      return first;
    }
    return Envelope.newBuilder().setClusterId(first.getClusterId()).setFrom(first.getFrom()).setTo(first.getTo())
        .setBatch(EnvelopeBatch.newBuilder().addAllEnvelopes(run)).build();
  }
}
