package io.paxosql.mysql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.Captures;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scanning side of {@link PacketFramer}: boundaries and prefixes only, as the proxy uses it. */
class PacketScannerTest {
  private static final int PREFIX = 16;

  record Seen(int seq, int lastSeq, long length, byte[] prefix) {}

  static List<Seen> scan(byte[] stream, int readSize) {
    List<Seen> out = new ArrayList<>();
    PacketFramer framer = PacketFramer.scanning(1L << 40, PREFIX,
        (seq, last, len, prefix, n) -> out.add(new Seen(seq, last, len, Arrays.copyOf(prefix, n))));
    for (int pos = 0; pos < stream.length; pos += readSize) {
      framer.feed(Buffer.buffer(Arrays.copyOfRange(stream, pos, Math.min(stream.length, pos + readSize))));
    }
    return out;
  }

  static void assertMatchesReference(byte[] stream, List<Seen> seen) {
    List<PacketFramerTest.Expected> expected = PacketFramerTest.reference(stream);
    assertEquals(expected.size(), seen.size());
    for (int i = 0; i < expected.size(); i++) {
      PacketFramerTest.Expected e = expected.get(i);
      Seen s = seen.get(i);
      assertEquals(e.seq(), s.seq(), "seq " + i);
      assertEquals(e.lastSeq(), s.lastSeq(), "last seq " + i);
      assertEquals(e.payload().length, s.length(), "length " + i);
      assertArrayEquals(Arrays.copyOf(e.payload(), Math.min(PREFIX, e.payload().length)), s.prefix(),
          "prefix " + i);
    }
  }

  @Test
  void capturedTrafficAtEveryReadSize() {
    for (boolean fromServer : new boolean[] {true, false}) {
      byte[] stream = Captures.stream(fromServer);
      for (int readSize = 1; readSize <= stream.length; readSize += readSize < 64 ? 1 : 97) {
        assertMatchesReference(stream, scan(stream, readSize));
      }
    }
  }

  @Test
  void largePacketsAreCountedWithoutBuffering() {
    Random random = new Random(11);
    Buffer wire = Buffer.buffer();
    for (int size : new int[] {PacketCodec.MAX_FRAGMENT, PacketCodec.MAX_FRAGMENT + 1, 5, 40 << 20}) {
      byte[] payload = new byte[size];
      random.nextBytes(payload);
      PacketCodec.encodeTo(wire, 0, Buffer.buffer(payload));
    }
    byte[] stream = wire.getBytes();
    assertMatchesReference(stream, scan(stream, 65_536));
    assertMatchesReference(stream, scan(stream, 7));
  }

  @Test
  void scanningEnforcesTheMaximumToo() {
    PacketFramer framer = PacketFramer.scanning(100, 4, (a, b, c, d, e) -> { });
    assertThrows(PacketTooLargeException.class,
        () -> framer.feed(Buffer.buffer().appendMediumLE(101).appendByte((byte) 0)));
  }

  @Test
  void haltStopsFramingMidReadAndPrefixLimitShortensPrefixes() {
    List<Seen> out = new ArrayList<>();
    PacketFramer[] self = new PacketFramer[1];
    self[0] = PacketFramer.scanning(1L << 20, PREFIX, (seq, last, len, prefix, n) -> {
      out.add(new Seen(seq, last, len, Arrays.copyOf(prefix, n)));
      if (prefix[0] == 'S') {
        self[0].halt();
      }
    });
    Buffer wire = Buffer.buffer();
    PacketCodec.encodeTo(wire, 0, Buffer.buffer("a-long-first-packet"));
    PacketCodec.encodeTo(wire, 1, Buffer.buffer("SSL"));
    wire.appendBytes(new byte[] {0x16, 0x03, 0x01, (byte) 0xFF, (byte) 0xFF, 0x01}); // TLS bytes
    self[0].prefixLimit(4);
    self[0].feed(wire);
    self[0].feed(Buffer.buffer(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0}));
    assertEquals(2, out.size());
    assertArrayEquals("a-lo".getBytes(), out.get(0).prefix());
    assertEquals(19, out.get(0).length());
    assertTrue(self[0].halted());
  }
}
