package io.paxosql.node.chain;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of a {@link ChainRecord} inside a Paxos value. Big-endian, versioned by a leading byte so
 * that a node can refuse a record written by a newer format instead of misreading it.
 */
public final class ChainRecordCodec {
  static final byte VERSION = 1;
  private static final byte MASTER_CHANGE = 1;
  private static final byte TRANSACTION = 2;

  private ChainRecordCodec() {}

  public static byte[] encode(ChainRecord record) {
    if (record instanceof MasterChange mc) {
      return ByteBuffer.allocate(2 + 8 + 4).put(VERSION).put(MASTER_CHANGE)
          .putLong(mc.epoch()).putInt(mc.nodeId()).array();
    }
    ChainedTransaction t = (ChainedTransaction) record;
    Transaction tx = t.transaction();
    byte[] file = tx.sourceFile().getBytes(StandardCharsets.UTF_8);
    int size = 2 + 8 + 8 + 1 + (t.previous() == null ? 0 : 16) + 16 + 2 + file.length + 8 + 4;
    for (byte[] e : tx.events()) {
      size += 4 + e.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size).put(VERSION).put(TRANSACTION)
        .putLong(t.epoch()).putLong(t.sequence());
    b.put((byte) (t.previous() == null ? 0 : 1));
    if (t.previous() != null) {
      putGtid(b, t.previous());
    }
    putGtid(b, tx.gtid());
    b.putShort((short) file.length).put(file).putLong(tx.sourceEndPos());
    b.putInt(tx.events().size());
    for (byte[] e : tx.events()) {
      b.putInt(e.length).put(e);
    }
    return b.array();
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

  private static ChainedTransaction decodeTransaction(ByteBuffer b) {
    long epoch = b.getLong();
    long sequence = b.getLong();
    Gtid previous = b.get() == 0 ? null : getGtid(b);
    Gtid gtid = getGtid(b);
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
    return new ChainedTransaction(epoch, sequence, previous,
        new Transaction(gtid, events, new String(file, StandardCharsets.UTF_8), endPos));
  }

  private static void putGtid(ByteBuffer b, Gtid g) {
    b.putInt((int) g.domainId()).putInt((int) g.serverId()).putLong(g.seqNo());
  }

  private static Gtid getGtid(ByteBuffer b) {
    return new Gtid(Integer.toUnsignedLong(b.getInt()), Integer.toUnsignedLong(b.getInt()), b.getLong());
  }
}
