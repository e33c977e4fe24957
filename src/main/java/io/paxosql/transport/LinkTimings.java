package io.paxosql.transport;

import io.paxosql.transport.proto.Accept;
import io.paxosql.transport.proto.Envelope;
import java.util.HashMap;
import java.util.Map;

/**
 * What one outgoing link did in a reporting window: how long small messages (renewals, grants, replies)
 * took from the channel to the socket and how many bytes were ahead of them, how long big ones took, and
 * how many big accepts were sent again while an earlier copy of the same accept was still on its way out.
 * Plain logic; the caller gives sizes and times (nanoseconds). On the owning context only.
 */
final class LinkTimings {
  /** Messages at least this large count as bulk (values); the rest as small. */
  static final int BULK_BYTES = 64 << 10;

  /** An accept by what makes two copies the same: its instance and ballot. */
  record AcceptKey(long instance, long round, int node) {
    static AcceptKey of(Envelope e) {
      Accept a = e.getAccept();
      return new AcceptKey(a.getInstance(), a.getBallot().getRound(), a.getBallot().getNode());
    }
  }

  /** Copies of each big accept handed to the channel and not yet written out. */
  private final Map<AcceptKey, Integer> acceptsOnTheirWay = new HashMap<>();
  private long maxSmallWait;
  private long maxBytesAheadOfSmall;
  private long maxBulkWait;
  private long bulkBytes;
  private long duplicateAccepts;

  /** Whether a copy of this big accept is still on its way out. */
  boolean onItsWay(Envelope e, int size) {
    return size >= BULK_BYTES && e.hasAccept() && acceptsOnTheirWay.containsKey(AcceptKey.of(e));
  }

  /** A message was handed to the channel with {@code bytesAhead} bytes not yet written before it. */
  void queued(Envelope e, int size, long bytesAhead) {
    if (size < BULK_BYTES) {
      maxBytesAheadOfSmall = Math.max(maxBytesAheadOfSmall, bytesAhead);
      return;
    }
    bulkBytes += size;
    if (e.hasAccept()) {
      AcceptKey k = AcceptKey.of(e);
      if (acceptsOnTheirWay.merge(k, 1, Integer::sum) > 1) {
        duplicateAccepts++;
      }
    }
  }

  /** A big accept was sent again while a copy was on its way and the channel dropped it. */
  void duplicateDropped() {
    duplicateAccepts++;
  }

  /** A message left for the socket (or failed to) {@code nanos} after it was handed to the channel. */
  void written(Envelope e, int size, long nanos) {
    if (size < BULK_BYTES) {
      maxSmallWait = Math.max(maxSmallWait, nanos);
      return;
    }
    maxBulkWait = Math.max(maxBulkWait, nanos);
    if (e.hasAccept()) {
      acceptsOnTheirWay.computeIfPresent(AcceptKey.of(e), (k, n) -> n > 1 ? n - 1 : null);
    }
  }

  /** A message the channel dropped unsent. */
  void discarded(Envelope e, int size) {
    if (size >= BULK_BYTES && e.hasAccept()) {
      acceptsOnTheirWay.computeIfPresent(AcceptKey.of(e), (k, n) -> n > 1 ? n - 1 : null);
    }
  }

  /** The stream broke or closed: nothing is on its way any more but what is still buffered. */
  void cleared() {
    acceptsOnTheirWay.clear();
  }

  /** A message still buffered after {@link #cleared}: on its way again, not a new copy. */
  void stillBuffered(Envelope e, int size) {
    if (size >= BULK_BYTES && e.hasAccept()) {
      acceptsOnTheirWay.merge(AcceptKey.of(e), 1, Integer::sum);
    }
  }

  /** The window's figures if a wait reached {@code notableNanos} or an accept was duplicated, else null. */
  String takeReport(long notableNanos) {
    String r = null;
    if (maxSmallWait >= notableNanos || maxBulkWait >= notableNanos || duplicateAccepts > 0) {
      r = String.format("small messages waited at most %d ms to leave (%d KiB ahead at most), values at most %d ms;"
          + " %d MiB of values, %d accepts sent again while a copy was still on its way", maxSmallWait / 1_000_000,
          maxBytesAheadOfSmall >> 10, maxBulkWait / 1_000_000, bulkBytes >> 20, duplicateAccepts);
    }
    maxSmallWait = 0;
    maxBytesAheadOfSmall = 0;
    maxBulkWait = 0;
    bulkBytes = 0;
    duplicateAccepts = 0;
    return r;
  }
}
