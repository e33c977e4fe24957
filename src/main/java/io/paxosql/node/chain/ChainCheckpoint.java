package io.paxosql.node.chain;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The chain as it stood just before Paxos log position {@code next}: a node that loads it derives the rest
 * of the chain from the log at {@code next} on, so neither restart time nor memory grow with history. Taken
 * only between transactions (no split transaction open). Its bytes carry a CRC32C.
 */
public record ChainCheckpoint(LogPosition next, ChainState state) {
  private static final int MAGIC = 0x50584343;   // "PXCC"
  private static final int VERSION = 1;

  public ChainCheckpoint {
    if (next == null || state == null) {
      throw new IllegalArgumentException("a chain checkpoint needs a log position and a chain state");
    }
    if (state.open() != null) {
      throw new IllegalArgumentException("a chain checkpoint cannot be taken inside split transaction "
          + state.open().gtid());
    }
  }

  public byte[] encode() {
    List<Gtid> gtids = new ArrayList<>(state.gtids().gtids());
    ByteBuffer b = ByteBuffer.allocate(64 + 25 * (gtids.size() + 1));
    b.putInt(MAGIC).putInt(VERSION).putLong(next.instance()).putInt(next.index());
    b.putLong(state.epoch()).putInt(state.masterNode()).putLong(state.lastSequence());
    putGtid(b, state.lastGtid());
    b.putInt(gtids.size());
    gtids.forEach(g -> putGtid(b, g));
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    byte[] out = new byte[b.position()];
    System.arraycopy(b.array(), 0, out, 0, out.length);
    return out;
  }

  /** @throws IllegalArgumentException naming {@code source} when the bytes are not an intact checkpoint */
  public static ChainCheckpoint decode(byte[] bytes, String source) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      if (bytes.length < 12 || b.getInt() != MAGIC) {
        throw new IllegalArgumentException("not a chain checkpoint");
      }
      int version = b.getInt();
      if (version != VERSION) {
        throw new IllegalArgumentException("chain checkpoint version " + version + " is not known to this build");
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes, 0, bytes.length - 4);
      if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
        throw new IllegalArgumentException("checksum mismatch");
      }
      LogPosition next = new LogPosition(b.getLong(), b.getInt());
      long epoch = b.getLong();
      int master = b.getInt();
      long lastSequence = b.getLong();
      Gtid lastGtid = getGtid(b);
      int n = b.getInt();
      if (n < 0 || n > 1_000_000) {
        throw new IllegalArgumentException("implausible GTID count " + n);
      }
      List<Gtid> gtids = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        gtids.add(getGtid(b));
      }
      return new ChainCheckpoint(next, new ChainState(epoch, master, lastSequence, lastGtid, GtidState.of(gtids),
          null));
    } catch (IllegalArgumentException | BufferUnderflowException e) {
      throw new IllegalArgumentException(source + " is not an intact chain checkpoint (" + e.getMessage()
          + "); move it away and rebuild this node from a peer", e);
    }
  }

  private static void putGtid(ByteBuffer b, Gtid g) {
    b.put((byte) (g == null ? 0 : 1));
    if (g != null) {
      b.putLong(g.domainId()).putLong(g.serverId()).putLong(g.seqNo());
    }
  }

  private static Gtid getGtid(ByteBuffer b) {
    return b.get() == 0 ? null : new Gtid(b.getLong(), b.getLong(), b.getLong());
  }

  @Override
  public String toString() {
    return "chain checkpoint before " + next.instance() + "." + next.index() + " (sequence " + state.lastSequence()
        + ", epoch " + state.epoch() + ", GTIDs '" + state.gtids() + "')";
  }
}
