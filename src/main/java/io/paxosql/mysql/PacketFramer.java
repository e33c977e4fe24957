package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The MySQL packet framer: turns reads cut at arbitrary places into logical packets. Each wire
 * packet is a 3-byte little-endian length, a sequence id and that many bytes; a fragment of
 * exactly 0xFFFFFF bytes is continued by the next one (an empty fragment ends an exact multiple).
 *
 * <p>Two ways to consume the same framing:
 *
 * <ul>
 *   <li>{@link #assembling} hands out whole {@link Packet}s. A packet that arrived whole inside one
 *       read is a slice of that read (no copy); only packets cut by a read boundary or split into
 *       fragments are copied, once, into a buffer sized from the header.
 *   <li>{@link #scanning} keeps nothing but the first few payload bytes of each packet and reports
 *       packet boundaries to a {@link PacketObserver}; a relay forwards the reads untouched and
 *       uses this to know which byte starts a packet. Memory stays bounded whatever the peer sends.
 * </ul>
 *
 * <p>Both enforce a maximum logical packet size, checked when a header announces a fragment, so a
 * peer cannot make the framer buffer more than the maximum. After a {@link ProtocolException} the
 * stream is out of sync and the framer refuses further input. Not thread-safe: one per direction
 * of one connection.
 */
public final class PacketFramer {
  private static final int NO_BODY = -1;

  private final long maxPacketSize;
  private final Consumer<Packet> sink;
  private final PacketObserver observer;
  private final byte[] prefix;
  private int prefixLimit;

  private final byte[] header = new byte[PacketCodec.HEADER_LENGTH];
  private int headerFill;
  private int bodyRemaining = NO_BODY;
  private int fragmentLength;
  private boolean continuing;
  private int firstSequenceId;
  private int lastSequenceId;
  private long logicalLength;
  private Buffer body;
  private int prefixFill;
  private ProtocolException failure;
  private boolean halted;

  private PacketFramer(long maxPacketSize, Consumer<Packet> sink, PacketObserver observer,
      int prefixCapacity) {
    if (maxPacketSize < 0) {
      throw new IllegalArgumentException("maximum packet size must be >= 0, got " + maxPacketSize);
    }
    this.maxPacketSize = maxPacketSize;
    this.sink = sink;
    this.observer = observer;
    this.prefix = new byte[prefixCapacity];
    this.prefixLimit = prefixCapacity;
  }

  /** A framer that delivers whole logical packets of at most {@code maxPacketSize} bytes. */
  public static PacketFramer assembling(long maxPacketSize, Consumer<Packet> sink) {
    return new PacketFramer(maxPacketSize, Objects.requireNonNull(sink, "sink"), null, 0);
  }

  /**
   * A framer that reports packet boundaries and the first {@code prefixCapacity} payload bytes of
   * each packet, never holding more than that.
   */
  public static PacketFramer scanning(long maxPacketSize, int prefixCapacity,
      PacketObserver observer) {
    if (prefixCapacity < 0) {
      throw new IllegalArgumentException("prefix capacity must be >= 0, got " + prefixCapacity);
    }
    return new PacketFramer(maxPacketSize, null, Objects.requireNonNull(observer, "observer"),
        prefixCapacity);
  }

  /**
   * Consumes one read. Packets completed by it are delivered before this returns, in order.
   *
   * @throws ProtocolException if the bytes break the framing (the framer is then unusable)
   * @throws IllegalStateException if an earlier call already failed
   */
  public void feed(Buffer chunk) {
    if (failure != null) {
      throw new IllegalStateException("framer stopped after an earlier error: "
          + failure.getMessage(), failure);
    }
    try {
      feedChecked(chunk);
    } catch (ProtocolException e) {
      failure = e;
      body = null;
      throw e;
    }
  }

  /**
   * Keeps only the first {@code limit} payload bytes of later packets (at most the capacity given
   * to {@link #scanning}); a relay needs long prefixes during the handshake and short ones after.
   */
  public void prefixLimit(int limit) {
    if (limit < 0 || limit > prefix.length) {
      throw new IllegalArgumentException("prefix limit must be 0.." + prefix.length + ", got " + limit);
    }
    prefixLimit = limit;
  }

  /**
   * Stops framing for good: the rest of the current read and all later reads are ignored. For a
   * relay whose stream stops being MySQL packets (TLS after an SSLRequest, compression), called
   * from the observer of the last packet in plain framing.
   */
  public void halt() {
    halted = true;
    body = null;
  }

  public boolean halted() {
    return halted;
  }

  /** True when no packet is partly received: the last read ended exactly on a packet boundary. */
  public boolean atPacketBoundary() {
    return headerFill == 0 && bodyRemaining == NO_BODY && !continuing;
  }

  /** Payload bytes received so far of the packet in progress (0 at a boundary). */
  public long partialPacketBytes() {
    return logicalLength + (bodyRemaining == NO_BODY ? 0 : fragmentLength - bodyRemaining);
  }

  public long maxPacketSize() {
    return maxPacketSize;
  }

  private void feedChecked(Buffer chunk) {
    int pos = 0;
    int end = chunk.length();
    while (pos < end && !halted) {
      if (bodyRemaining != NO_BODY) {
        int n = Math.min(bodyRemaining, end - pos);
        consumeBody(chunk, pos, n);
        pos += n;
        bodyRemaining -= n;
        if (bodyRemaining == 0) {
          endFragment();
        }
        continue;
      }
      int length;
      int seq;
      if (headerFill == 0 && end - pos >= PacketCodec.HEADER_LENGTH) {
        length = chunk.getUnsignedMediumLE(pos);
        seq = chunk.getUnsignedByte(pos + 3);
        pos += PacketCodec.HEADER_LENGTH;
        if (!continuing && length < PacketCodec.MAX_FRAGMENT && end - pos >= length) {
          checkSize(length);
          deliverWhole(chunk, pos, length, seq);
          pos += length;
          continue;
        }
      } else {
        int n = Math.min(PacketCodec.HEADER_LENGTH - headerFill, end - pos);
        chunk.getBytes(pos, pos + n, header, headerFill);
        headerFill += n;
        pos += n;
        if (headerFill < PacketCodec.HEADER_LENGTH) {
          return;
        }
        headerFill = 0;
        length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
        seq = header[3] & 0xFF;
      }
      startFragment(length, seq);
    }
  }

  private void deliverWhole(Buffer chunk, int pos, int length, int seq) {
    if (sink != null) {
      sink.accept(new Packet(seq, chunk.slice(pos, pos + length)));
    } else {
      int n = Math.min(length, prefixLimit);
      if (n > 0) {
        chunk.getBytes(pos, pos + n, prefix, 0);
      }
      observer.onPacket(seq, seq, length, prefix, n);
    }
  }

  private void startFragment(int length, int seq) {
    if (continuing) {
      int expected = (lastSequenceId + 1) & 0xFF;
      if (seq != expected) {
        throw new ProtocolException("continuation of a packet of more than " + logicalLength
            + " bytes has sequence id " + seq + ", expected " + expected
            + ": the peer interleaved packets or the stream is corrupt");
      }
    } else {
      firstSequenceId = seq;
      logicalLength = 0;
      prefixFill = 0;
    }
    lastSequenceId = seq;
    checkSize(logicalLength + length);
    fragmentLength = length;
    if (sink != null && body == null) {
      body = Buffer.buffer(length);
    }
    if (length == 0) {
      endFragment();
    } else {
      bodyRemaining = length;
    }
  }

  private void consumeBody(Buffer chunk, int pos, int n) {
    if (sink != null) {
      body.appendBuffer(chunk, pos, n);
    } else if (prefixFill < prefixLimit) {
      int c = Math.min(n, prefixLimit - prefixFill);
      chunk.getBytes(pos, pos + c, prefix, prefixFill);
      prefixFill += c;
    }
  }

  private void endFragment() {
    bodyRemaining = NO_BODY;
    logicalLength += fragmentLength;
    if (fragmentLength == PacketCodec.MAX_FRAGMENT) {
      continuing = true;
      return;
    }
    continuing = false;
    long length = logicalLength;
    logicalLength = 0;
    if (sink != null) {
      Buffer payload = body;
      body = null;
      sink.accept(new Packet(firstSequenceId, payload));
    } else {
      observer.onPacket(firstSequenceId, lastSequenceId, length, prefix, prefixFill);
    }
  }

  private void checkSize(long length) {
    if (length > maxPacketSize) {
      throw new PacketTooLargeException(length, maxPacketSize);
    }
  }
}
