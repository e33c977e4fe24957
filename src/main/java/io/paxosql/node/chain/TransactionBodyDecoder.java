package io.paxosql.node.chain;

import io.paxosql.binlog.event.Gtid;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a split transaction's body ({@link ChainRecordCodec#encodeBody}) from its part chunks as they are read,
 * handing out each event once its bytes are all there: it holds at most one unfinished event, never the whole
 * transaction. Malformed bytes fail with {@link IllegalArgumentException} naming the transaction and the offset.
 */
final class TransactionBodyDecoder {
  private enum Stage { FILE_LENGTH, HEAD, EVENT_LENGTH, EVENT, DONE }

  private final Gtid gtid;
  private Stage stage = Stage.FILE_LENGTH;
  /** The bytes the current stage needs, and how many of them arrived. */
  private byte[] want = new byte[2];
  private int have;
  private int events;
  private int eventsDone;
  private long offset;

  TransactionBodyDecoder(Gtid gtid) {
    this.gtid = gtid;
  }

  /** Takes the next chunk; returns the events it completed, in order. */
  List<byte[]> feed(byte[] chunk) {
    List<byte[]> out = new ArrayList<>();
    int at = 0;
    while (at < chunk.length) {
      if (stage == Stage.DONE) {
        throw new IllegalArgumentException((chunk.length - at) + " trailing bytes after the " + events
            + " events of transaction " + gtid + " at body byte " + offset);
      }
      int n = Math.min(chunk.length - at, want.length - have);
      System.arraycopy(chunk, at, want, have, n);
      have += n;
      at += n;
      offset += n;
      if (have == want.length) {
        stageComplete(out);
      }
    }
    return out;
  }

  /** True once every event arrived; call after the last chunk to check the body was whole. */
  boolean complete() {
    return stage == Stage.DONE;
  }

  /** Fails unless the body ended exactly with its last event. */
  void requireComplete() {
    if (stage != Stage.DONE) {
      throw new IllegalArgumentException("the parts of transaction " + gtid + " end inside it, at body byte "
          + offset + " (" + eventsDone + " of " + events + " events whole)");
    }
  }

  private void stageComplete(List<byte[]> out) {
    switch (stage) {
      case FILE_LENGTH -> next(Stage.HEAD, Short.toUnsignedInt(ByteBuffer.wrap(want).getShort()) + 8 + 4);
      case HEAD -> {
        events = ByteBuffer.wrap(want, want.length - 4, 4).getInt();
        if (events <= 0) {
          throw new IllegalArgumentException("transaction " + gtid + " claims " + events + " events");
        }
        next(Stage.EVENT_LENGTH, 4);
      }
      case EVENT_LENGTH -> {
        int len = ByteBuffer.wrap(want).getInt();
        if (len < 0) {
          throw new IllegalArgumentException("event " + eventsDone + " of transaction " + gtid + " claims " + len
              + " bytes at body byte " + offset);
        }
        next(Stage.EVENT, len);
        if (len == 0) {
          stageComplete(out);
        }
      }
      case EVENT -> {
        out.add(want);
        eventsDone++;
        if (eventsDone == events) {
          stage = Stage.DONE;
          want = new byte[0];
          have = 0;
        } else {
          next(Stage.EVENT_LENGTH, 4);
        }
      }
      case DONE -> throw new IllegalStateException("no stage after the last event");
    }
  }

  private void next(Stage s, int bytes) {
    stage = s;
    want = new byte[bytes];
    have = 0;
  }
}
