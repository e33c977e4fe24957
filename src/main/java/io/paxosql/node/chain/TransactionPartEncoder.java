package io.paxosql.node.chain;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The part records of a transaction too big for one Paxos value, encoded one at a time as they are taken:
 * each part's chunk is the next slice of the transaction's body ({@link ChainRecordCodec#encodeBody}), written
 * straight from the events, so the body is never built whole. Parts after the last one taken cost nothing.
 */
final class TransactionPartEncoder implements Iterator<byte[]> {
  private final long epoch;
  private final long sequence;
  private final Gtid previous;
  private final Transaction tx;
  private final int parts;
  private final int chunk;
  private int nextPart;
  /** The body bytes before the first event (file name, end position, event count); written first. */
  private final byte[] head;
  private int headDone;
  /** The event being written (-1: the head), and how far: its 4 length bytes, then its bytes. */
  private int event = -1;
  private int eventDone;

  TransactionPartEncoder(long epoch, long sequence, Gtid previous, Transaction tx, int parts, int chunk) {
    this.epoch = epoch;
    this.sequence = sequence;
    this.previous = previous;
    this.tx = tx;
    this.parts = parts;
    this.chunk = chunk;
    byte[] file = tx.sourceFile().getBytes(StandardCharsets.UTF_8);
    if (file.length > 0xFFFF) {
      throw new IllegalArgumentException("binlog file name of " + file.length + " bytes is longer than 65535");
    }
    this.head = ByteBuffer.allocate(2 + file.length + 8 + 4).putShort((short) file.length).put(file)
        .putLong(tx.sourceEndPos()).putInt(tx.events().size()).array();
  }

  @Override
  public boolean hasNext() {
    return nextPart < parts;
  }

  @Override
  public byte[] next() {
    if (!hasNext()) {
      throw new NoSuchElementException("all " + parts + " parts of " + tx.gtid() + " were taken");
    }
    ByteBuffer b = ByteBuffer.allocate(ChainRecordCodec.partHeaderBytes(previous) + chunk);
    ChainRecordCodec.putHeader(b, ChainRecordCodec.PART, epoch, sequence, previous, tx.gtid());
    b.putInt(nextPart).putInt(parts);
    int lengthAt = b.position();
    b.putInt(0);
    int start = b.position();
    fill(b);
    int length = b.position() - start;
    b.putInt(lengthAt, length);
    nextPart++;
    if (nextPart < parts && length != chunk) {
      throw new IllegalStateException("part " + (nextPart - 1) + " of " + tx.gtid() + " holds " + length
          + " bytes, not " + chunk + ": the transaction changed while its parts were encoded");
    }
    if (nextPart == parts && event < tx.events().size()) {
      throw new IllegalStateException("the last part of " + tx.gtid() + " ends before its body does");
    }
    if (b.position() == b.capacity()) {
      return b.array();
    }
    byte[] out = new byte[b.position()];
    System.arraycopy(b.array(), 0, out, 0, out.length);
    return out;
  }

  /** Writes body bytes from where the previous part stopped until {@code b} is full or the body ends. */
  private void fill(ByteBuffer b) {
    while (b.hasRemaining()) {
      if (event < 0) {
        int n = Math.min(b.remaining(), head.length - headDone);
        b.put(head, headDone, n);
        headDone += n;
        if (headDone == head.length) {
          event = 0;
        }
        continue;
      }
      if (event >= tx.events().size()) {
        return;
      }
      byte[] e = tx.events().get(event);
      if (eventDone < 4) {
        byte[] len = ByteBuffer.allocate(4).putInt(e.length).array();
        int n = Math.min(b.remaining(), 4 - eventDone);
        b.put(len, eventDone, n);
        eventDone += n;
        continue;
      }
      int n = Math.min(b.remaining(), 4 + e.length - eventDone);
      b.put(e, eventDone - 4, n);
      eventDone += n;
      if (eventDone == 4 + e.length) {
        event++;
        eventDone = 0;
      }
    }
  }
}
