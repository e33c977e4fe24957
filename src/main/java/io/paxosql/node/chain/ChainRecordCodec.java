package io.paxosql.node.chain;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;
import io.paxosql.node.chain.ChainRecord.TransactionPart;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The bytes of a {@link ChainRecord} inside a Paxos value. Big-endian, versioned by a leading byte so
 * that a node can refuse a record written by a newer format instead of misreading it.
 *
 * <p>A transaction is one {@code TRANSACTION} record when it fits the largest proposal the Paxos log
 * takes, else {@code PART} records whose chunks, concatenated, are the transaction's body (source
 * file, end position, events: everything but the GTID, which every part carries).
 */
public final class ChainRecordCodec {
  static final byte VERSION = 1;
  private static final byte MASTER_CHANGE = 1;
  private static final byte TRANSACTION = 2;
  static final byte PART = 3;
  /** Smallest useful chunk: below it a split would be mostly headers. */
  static final int MIN_CHUNK = 1024;

  private ChainRecordCodec() {}

  public static byte[] encode(ChainRecord record) {
    if (record instanceof MasterChange mc) {
      return ByteBuffer.allocate(2 + 8 + 4).put(VERSION).put(MASTER_CHANGE)
          .putLong(mc.epoch()).putInt(mc.nodeId()).array();
    }
    if (record instanceof TransactionPart p) {
      return encodePart(p.epoch(), p.sequence(), p.previous(), p.gtid(), p.index(), p.count(), p.chunk(), 0,
          p.chunk().length);
    }
    ChainedTransaction t = (ChainedTransaction) record;
    byte[] body = encodeBody(t.transaction());
    ByteBuffer b = ByteBuffer.allocate(headerBytes(t.previous()) + body.length);
    putHeader(b, TRANSACTION, t.epoch(), t.sequence(), t.previous(), t.transaction().gtid());
    return b.put(body).array();
  }

  /**
   * The records that carry {@code tx} at {@code sequence}: one when its encoding fits
   * {@code maxRecordBytes}, else parts of at most that size, each encoded only when the iterator reaches it
   * (so a big transaction is not copied whole once more).
   */
  public static Iterator<byte[]> encodeTransaction(long epoch, long sequence, Gtid previous, Transaction tx,
      int maxRecordBytes) {
    long bodyBytes = bodyBytes(tx);
    if (headerBytes(previous) + bodyBytes <= maxRecordBytes) {
      byte[] body = encodeBody(tx);
      ByteBuffer b = ByteBuffer.allocate(headerBytes(previous) + body.length);
      putHeader(b, TRANSACTION, epoch, sequence, previous, tx.gtid());
      return List.of(b.put(body).array()).iterator();
    }
    int chunk = maxRecordBytes - partHeaderBytes(previous);
    if (chunk < MIN_CHUNK) {
      throw new IllegalArgumentException("proposals of " + maxRecordBytes + " bytes are too small to carry parts of"
          + " a transaction; raise the Paxos maxBatchBytes");
    }
    long parts = (bodyBytes + chunk - 1) / chunk;
    if (parts > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("transaction " + tx.gtid() + " needs " + parts + " parts; at most "
          + Integer.MAX_VALUE + " fit");
    }
    return new TransactionPartEncoder(epoch, sequence, previous, tx, (int) parts, chunk);
  }

  /** The bytes {@link #encodeBody} writes for {@code tx}. */
  static long bodyBytes(Transaction tx) {
    // Transaction.sizeBytes, not a walk over the events: a spooled transaction's events would be read back.
    return 2 + tx.sourceFile().getBytes(StandardCharsets.UTF_8).length + 8 + 4 + 4L * tx.events().size()
        + tx.sizeBytes();
  }

  /** The transaction whose body was split into {@code chunks}, in part order. */
  public static Transaction decodeBody(Gtid gtid, List<byte[]> chunks) {
    long total = 0;
    for (byte[] c : chunks) {
      total += c.length;
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("transaction " + gtid + " has " + total + " bytes, above what one node"
          + " can hold in memory");
    }
    ByteBuffer b = ByteBuffer.allocate((int) total);
    chunks.forEach(b::put);
    b.flip();
    try {
      Transaction tx = decodeBody(gtid, b);
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " trailing bytes after the parts of transaction " + gtid);
      }
      return tx;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("the parts of transaction " + gtid + " end inside it, at byte "
          + b.position() + " of " + total);
    }
  }

  /** Decodes a record; malformed bytes fail with a message saying what was wrong where. */
  public static ChainRecord decode(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    try {
      byte version = b.get();
      if (version != VERSION) {
        throw new IllegalArgumentException("chain record format version " + version + " is not "
            + VERSION + ": this node is older than the node that wrote it; upgrade it");
      }
      byte kind = b.get();
      ChainRecord record = switch (kind) {
        case MASTER_CHANGE -> new MasterChange(b.getLong(), b.getInt());
        case TRANSACTION -> decodeTransaction(b);
        case PART -> decodePart(b);
        default -> throw new IllegalArgumentException("unknown chain record kind " + kind);
      };
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " trailing bytes after a chain record");
      }
      return record;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("chain record truncated at byte " + b.position() + " of " + bytes.length);
    }
  }

  /** Source file, end position and events of {@code tx}: what parts split. */
  static byte[] encodeBody(Transaction tx) {
    byte[] file = tx.sourceFile().getBytes(StandardCharsets.UTF_8);
    if (file.length > 0xFFFF) {
      throw new IllegalArgumentException("binlog file name of " + file.length + " bytes is longer than 65535");
    }
    long size = 2 + file.length + 8 + 4;
    for (byte[] e : tx.events()) {
      size += 4 + e.length;
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("transaction " + tx.gtid() + " has " + size + " bytes; at most 2 GiB fit");
    }
    ByteBuffer b = ByteBuffer.allocate((int) size);
    b.putShort((short) file.length).put(file).putLong(tx.sourceEndPos());
    b.putInt(tx.events().size());
    for (byte[] e : tx.events()) {
      b.putInt(e.length).put(e);
    }
    return b.array();
  }

  private static int headerBytes(Gtid previous) {
    return 2 + 8 + 8 + 1 + (previous == null ? 0 : 16) + 16;
  }

  static int partHeaderBytes(Gtid previous) {
    return headerBytes(previous) + 4 + 4 + 4;
  }

  static void putHeader(ByteBuffer b, byte kind, long epoch, long sequence, Gtid previous, Gtid gtid) {
    b.put(VERSION).put(kind).putLong(epoch).putLong(sequence);
    b.put((byte) (previous == null ? 0 : 1));
    if (previous != null) {
      putGtid(b, previous);
    }
    putGtid(b, gtid);
  }

  private static byte[] encodePart(long epoch, long sequence, Gtid previous, Gtid gtid, int index, int count,
      byte[] body, int from, int length) {
    ByteBuffer b = ByteBuffer.allocate(partHeaderBytes(previous) + length);
    putHeader(b, PART, epoch, sequence, previous, gtid);
    b.putInt(index).putInt(count).putInt(length).put(body, from, length);
    return b.array();
  }

  private static ChainedTransaction decodeTransaction(ByteBuffer b) {
    long epoch = b.getLong();
    long sequence = b.getLong();
    Gtid previous = b.get() == 0 ? null : getGtid(b);
    Gtid gtid = getGtid(b);
    return new ChainedTransaction(epoch, sequence, previous, decodeBody(gtid, b));
  }

  private static TransactionPart decodePart(ByteBuffer b) {
    long epoch = b.getLong();
    long sequence = b.getLong();
    Gtid previous = b.get() == 0 ? null : getGtid(b);
    Gtid gtid = getGtid(b);
    int index = b.getInt();
    int count = b.getInt();
    int length = b.getInt();
    if (count < 2 || index < 0 || index >= count) {
      throw new IllegalArgumentException("transaction " + gtid + " part " + index + " of " + count
          + " is not a valid part number");
    }
    if (length < 0 || length > b.remaining()) {
      throw new IllegalArgumentException("transaction " + gtid + " part " + index + " claims " + length
          + " bytes but " + b.remaining() + " remain");
    }
    byte[] chunk = new byte[length];
    b.get(chunk);
    return new TransactionPart(epoch, sequence, previous, gtid, index, count, chunk);
  }

  private static Transaction decodeBody(Gtid gtid, ByteBuffer b) {
    byte[] file = new byte[Short.toUnsignedInt(b.getShort())];
    b.get(file);
    long endPos = b.getLong();
    int count = b.getInt();
    if (count <= 0 || count > b.remaining() / 4) {
      throw new IllegalArgumentException("chain record claims " + count + " events in " + b.remaining() + " bytes");
    }
    List<byte[]> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int len = b.getInt();
      if (len < 0 || len > b.remaining()) {
        throw new IllegalArgumentException("event " + i + " claims " + len + " bytes but " + b.remaining() + " remain");
      }
      byte[] e = new byte[len];
      b.get(e);
      events.add(e);
    }
    return new Transaction(gtid, events, new String(file, StandardCharsets.UTF_8), endPos);
  }

  private static void putGtid(ByteBuffer b, Gtid g) {
    b.putInt((int) g.domainId()).putInt((int) g.serverId()).putLong(g.seqNo());
  }

  private static Gtid getGtid(ByteBuffer b) {
    return new Gtid(Integer.toUnsignedLong(b.getInt()), Integer.toUnsignedLong(b.getInt()), b.getLong());
  }
}
