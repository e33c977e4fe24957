package io.paxosql.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

  @Test
  void everyKindRoundTrips() {
    List<Object> records = List.of(
        new LogRecord.Promised(Long.MAX_VALUE, 7),
        new LogRecord.Accepted(1L << 32, 3, 2, new byte[] {1, 2, 3}),
        new LogRecord.Chosen((1L << 31) - 1, new byte[0]),
        new LogRecord.Members(99, new int[] {3, 1, 2}),
        new RecordCodec.Checkpoint(42, new LogRecord.Promised(5, 1),
            List.of(new LogRecord.Accepted(42, 5, 1, new byte[] {9})),
            List.of(new LogRecord.Members(10, new int[] {1, 2, 3}))));
    for (Object r : records) {
      assertEquals(r, RecordCodec.decode(RecordCodec.encode(r, 77), 77, "test"));
    }
  }

  @Test
  void everySingleBitFlipIsCaught() {
    byte[] good = RecordCodec.encode(new LogRecord.Accepted(12345, 6, 1, "value bytes".getBytes()), 5);
    for (int i = 0; i < good.length * 8; i++) {
      byte[] bad = good.clone();
      bad[i / 8] ^= (byte) (1 << (i % 8));
      LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> RecordCodec.decode(bad, 5, "f@1"));
      assertTrue(e.getMessage().contains("f@1"), e.getMessage());
    }
  }

  @Test
  void truncatedEntriesAreRejected() {
    byte[] good = RecordCodec.encode(new LogRecord.Chosen(1, new byte[100]), 9);
    for (int len = 0; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      assertThrows(LogCorruptedException.class, () -> RecordCodec.decode(cut, 9, "x"));
    }
  }

  /** A misdirected write: an entry's bytes, valid where they were meant to go, at another entry's place. */
  @Test
  void anEntrysBytesAtAnotherIndexAreRejected() {
    byte[] promise = RecordCodec.encode(new LogRecord.Promised(8, 2), 0x1_0000_0005L);
    assertEquals(new LogRecord.Promised(8, 2), RecordCodec.decode(promise, 0x1_0000_0005L, "here"));
    LogCorruptedException e = assertThrows(LogCorruptedException.class,
        () -> RecordCodec.decode(promise, 0x1_0000_0006L, "next"));
    assertTrue(e.getMessage().contains("another place"), e.getMessage());
  }

  /** Entries written before the checksum covered the index still read, at any index. */
  @Test
  void versionOneEntriesStillRead() {
    byte[] v2 = RecordCodec.encode(new LogRecord.Chosen(3, new byte[] {4, 5}), 0);
    byte[] v1 = v2.clone();
    v1[0] = RecordCodec.VERSION_UNPLACED;
    CRC32C crc = new CRC32C();
    crc.update(v1, 0, v1.length - 4);
    ByteBuffer.wrap(v1).putInt(v1.length - 4, (int) crc.getValue());
    assertEquals(new LogRecord.Chosen(3, new byte[] {4, 5}), RecordCodec.decode(v1, 12345, "old"));
  }
}
