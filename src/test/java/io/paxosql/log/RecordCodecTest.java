package io.paxosql.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  /**
   * What a torn write leaves: zeros from a 512-byte sector boundary through the whole checksum. A body that
   * starts at 4196 and ends at 5714 has sector boundaries at 4608, 5120 and 5632 and no page boundary.
   */
  @Test
  void zerosFromASectorBoundaryThroughTheWholeChecksumLookUnwritten() {
    byte[] good = RecordCodec.encode(new LogRecord.Chosen(1, nonZero(1500)), 9);
    long at = 4096 + 100;
    assertEquals(5714, at + good.length);
    for (long sector : new long[] {4608, 5120, 5632}) {
      assertTrue(RecordCodec.looksUnwritten(zeroFrom(good, (int) (sector - at)), at), "torn at " + sector);
    }
    assertTrue(RecordCodec.looksUnwritten(new byte[good.length], 4608), "a body from a sector start never written");
    assertFalse(RecordCodec.looksUnwritten(zeroFrom(good, (int) (5632 + 8 - at)), at), "no sector start in the zeros");
    byte[] hole = zeroFrom(good, (int) (5120 - at));
    System.arraycopy(good, good.length - 4, hole, good.length - 4, 4);
    assertFalse(RecordCodec.looksUnwritten(hole, at), "zeros before a checksum that reached disk");
  }

  /**
   * A tear inside the checksum leaves 1 to 3 zero bytes of it, as rot can: refused. Here the body ends 2 bytes
   * past a sector boundary.
   */
  @Test
  void aTearInsideTheChecksumDoesNotLookUnwritten() {
    byte[] good = RecordCodec.encode(new LogRecord.Chosen(1, nonZero(1500)), 9);
    byte[] torn = zeroFrom(good, good.length - 2);
    assertTrue(torn[good.length - 4] != 0 || torn[good.length - 3] != 0, "the kept checksum bytes are not zero");
    assertFalse(RecordCodec.looksUnwritten(torn, 5120 + 2 - good.length));
  }

  private static byte[] nonZero(int size) {
    byte[] v = new byte[size];
    Arrays.fill(v, (byte) 0x5A);
    return v;
  }

  private static byte[] zeroFrom(byte[] body, int from) {
    byte[] b = body.clone();
    Arrays.fill(b, from, b.length, (byte) 0);
    return b;
  }
}
