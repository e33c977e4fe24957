package io.paxosql.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class PayloadTest {

  @Test
  void inPlaceLengthEncodedIntegersMatchTheReaderAndSayWhenTheyDoNotFit() {
    long[] values = {0, 250, 251, 0xFFFF, 0x10000, 0xFFFFFF, 0x1000000, Long.MAX_VALUE};
    for (long v : values) {
      byte[] b = new PayloadWriter().int1(7).lenencInt(v).int1(9).payload().getBytes();
      assertEquals(v, PayloadReader.lenencIntAt(b, 1, b.length), "value " + v);
      assertEquals(b.length - 2, PayloadReader.lenencSize(b[1] & 0xFF), "size of " + v);
      assertEquals(-1, PayloadReader.lenencIntAt(b, 1, b.length - 2), "cut before its end: " + v);
    }
    assertEquals(-1, PayloadReader.lenencIntAt(new byte[] {(byte) 0xFB}, 0, 1), "NULL starts no integer");
    assertEquals(-1, PayloadReader.lenencIntAt(new byte[] {(byte) 0xFF}, 0, 1), "ERR starts no integer");
    assertEquals(-1, PayloadReader.lenencIntAt(new byte[] {1}, 1, 1), "nothing left");
  }

  @Test
  void lengthEncodedIntegersUseTheSmallestFormAndRoundTrip() {
    long[] values = {0, 250, 251, 0xFFFF, 0x10000, 0xFFFFFF, 0x1000000, Long.MAX_VALUE, -1};
    int[] sizes = {1, 1, 3, 3, 4, 4, 9, 9, 9};
    for (int i = 0; i < values.length; i++) {
      Buffer b = new PayloadWriter().lenencInt(values[i]).payload();
      assertEquals(sizes[i], b.length(), "size of " + values[i]);
      PayloadReader r = new PayloadReader(b);
      assertEquals(values[i], r.lenencInt());
      assertEquals(0, r.remaining());
    }
  }

  @Test
  void fixedWidthAndStringFieldsRoundTrip() {
    Buffer b = new PayloadWriter().int1(0xAB).int2(0xBEEF).int3(0xABCDEF).int4(0xFFFFFFFEL)
        .int6(0xFFFF_FFFF_FFFFL).int8(-2).nulString("héllo").lenencString("wörld")
        .restString("rest").payload();
    PayloadReader r = new PayloadReader(b);
    assertEquals(0xAB, r.int1());
    assertEquals(0xBEEF, r.int2());
    assertEquals(0xABCDEF, r.int3());
    assertEquals(0xFFFFFFFEL, r.int4());
    assertEquals(0xFFFF_FFFF_FFFFL, r.int6());
    assertEquals(-2, r.int8());
    assertEquals("héllo", r.nulString());
    assertEquals("wörld", r.lenencString());
    assertEquals("rest", r.restString());
    r.expectEnd("test payload");
  }

  @Test
  void readsPastTheEndNameTheField() {
    PayloadReader r = new PayloadReader(Buffer.buffer(new byte[] {1, 2}));
    ProtocolException e = assertThrows(ProtocolException.class, r::int4);
    assertTrue(e.getMessage().contains("int<4> at offset 0 needs 4 bytes, 2 remain"), e.getMessage());
    ProtocolException nul = assertThrows(ProtocolException.class,
        () -> new PayloadReader(Buffer.buffer("abc")).nulString());
    assertTrue(nul.getMessage().contains("no terminating NUL"), nul.getMessage());
    ProtocolException lenenc = assertThrows(ProtocolException.class,
        () -> new PayloadReader(Buffer.buffer(new byte[] {5, 'a'})).lenencString());
    assertTrue(lenenc.getMessage().contains("announces 5 bytes but only 1 remain"), lenenc.getMessage());
    ProtocolException marker = assertThrows(ProtocolException.class,
        () -> new PayloadReader(Buffer.buffer(new byte[] {(byte) 0xFB})).lenencInt());
    assertTrue(marker.getMessage().contains("0xFB"), marker.getMessage());
  }
}
