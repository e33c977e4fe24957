package io.paxosql.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
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
      assertEquals(r, RecordCodec.decode(RecordCodec.encode(r), "test"));
    }
  }

  @Test
  void everySingleBitFlipIsCaught() {
    byte[] good = RecordCodec.encode(new LogRecord.Accepted(12345, 6, 1, "value bytes".getBytes()));
    for (int i = 0; i < good.length * 8; i++) {
      byte[] bad = good.clone();
      bad[i / 8] ^= (byte) (1 << (i % 8));
      LogCorruptedException e = assertThrows(LogCorruptedException.class, () -> RecordCodec.decode(bad, "f@1"));
      assertTrue(e.getMessage().contains("f@1"), e.getMessage());
    }
  }

  @Test
  void truncatedEntriesAreRejected() {
    byte[] good = RecordCodec.encode(new LogRecord.Chosen(1, new byte[100]));
    for (int len = 0; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      assertThrows(LogCorruptedException.class, () -> RecordCodec.decode(cut, "x"));
    }
  }
}
