package io.paxosql.mysql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.testing.Captures;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PacketFramerTest {
  private static final int MB16 = PacketCodec.MAX_FRAGMENT + 1;
  private static final long NO_LIMIT = 1L << 40;

  /** What a packet should look like: an oracle written independently of the framer. */
  record Expected(int seq, int lastSeq, byte[] payload) {}

  /** Straightforward reference parse of a whole stream held in memory. */
  static List<Expected> reference(byte[] stream) {
    List<Expected> out = new ArrayList<>();
    int pos = 0;
    while (pos < stream.length) {
      int first = stream[pos + 3] & 0xFF;
      int last;
      ByteArrayOutputStream payload = new ByteArrayOutputStream();
      int len;
      do {
        len = (stream[pos] & 0xFF) | (stream[pos + 1] & 0xFF) << 8 | (stream[pos + 2] & 0xFF) << 16;
        last = stream[pos + 3] & 0xFF;
        payload.write(stream, pos + 4, len);
        pos += 4 + len;
      } while (len == 0xFFFFFF);
      out.add(new Expected(first, last, payload.toByteArray()));
    }
    return out;
  }

  static List<Packet> frame(byte[] stream, IntUnaryOperator nextReadSize) {
    List<Packet> out = new ArrayList<>();
    PacketFramer framer = PacketFramer.assembling(NO_LIMIT, out::add);
    int pos = 0;
    while (pos < stream.length) {
      int n = Math.min(stream.length - pos, Math.max(1, nextReadSize.applyAsInt(pos)));
      framer.feed(Buffer.buffer(Arrays.copyOfRange(stream, pos, pos + n)));
      pos += n;
    }
    assertTrue(framer.atPacketBoundary(), "stream ended mid-packet");
    return out;
  }

  static void assertPackets(List<Expected> expected, List<Packet> actual, String how) {
    assertEquals(expected.size(), actual.size(), how + ": packet count");
    for (int i = 0; i < expected.size(); i++) {
      Expected e = expected.get(i);
      Packet a = actual.get(i);
      assertEquals(e.seq(), a.sequenceId(), how + ": seq of packet " + i);
      assertEquals(e.lastSeq(), a.lastSequenceId(), how + ": last seq of packet " + i);
      assertArrayEquals(e.payload(), a.payload().getBytes(), how + ": payload of packet " + i);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void capturedTrafficFramesTheSameAtEverySplitPoint(boolean fromServer) {
    byte[] stream = Captures.stream(fromServer);
    List<Expected> expected = reference(stream);
    assertTrue(expected.size() >= 15, "capture should hold many packets, got " + expected.size());
    assertPackets(expected, frame(stream, p -> stream.length), "one read");
    for (int split = 1; split < stream.length; split++) {
      int s = split;
      assertPackets(expected, frame(stream, p -> p == 0 ? s : stream.length), "split at " + s);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void capturedTrafficByteAtATimeAndRandomReads(boolean fromServer) {
    byte[] stream = Captures.stream(fromServer);
    List<Expected> expected = reference(stream);
    assertPackets(expected, frame(stream, p -> 1), "byte at a time");
    Random random = new Random(42);
    for (int run = 0; run < 300; run++) {
      int max = 1 + random.nextInt(run < 150 ? 8 : 600);
      assertPackets(expected, frame(stream, p -> 1 + random.nextInt(max)), "random run " + run);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void reencodingCapturedPacketsReproducesTheStream(boolean fromServer) {
    byte[] stream = Captures.stream(fromServer);
    Buffer out = Buffer.buffer();
    for (Packet p : frame(stream, p -> stream.length)) {
      PacketCodec.encodeTo(out, p.sequenceId(), p.payload());
    }
    assertArrayEquals(stream, out.getBytes());
  }

  @Test
  void packetThatArrivesWholeIsASliceNotACopy() {
    byte[] stream = Captures.stream(true);
    Buffer read = Buffer.buffer(stream);
    List<Packet> packets = new ArrayList<>();
    PacketFramer.assembling(NO_LIMIT, packets::add).feed(read);
    Packet first = packets.get(0);
    assertEquals(10, first.payload().getUnsignedByte(0));
    read.setByte(4, (byte) 0x77); // payload byte 0 of the first packet, in the read buffer
    assertEquals(0x77, first.payload().getUnsignedByte(0), "payload must share the read's bytes");
  }

  @ParameterizedTest
  @ValueSource(ints = {MB16 - 2, MB16 - 1, MB16, 2 * (MB16 - 1), 40 * 1024 * 1024, 0})
  void largePayloadsSplitAndJoinAtSixteenMegabytes(int size) {
    byte[] payload = new byte[size];
    new Random(size).nextBytes(payload);
    Buffer encoded = PacketCodec.encode(250, Buffer.buffer(payload));
    int fragments = size / PacketCodec.MAX_FRAGMENT + 1;
    assertEquals(size + 4L * fragments, encoded.length());
    // the last fragment is shorter than 0xFFFFFF (empty for an exact multiple)
    int lastHeader = encoded.length() - 4 - size % PacketCodec.MAX_FRAGMENT;
    assertEquals(size % PacketCodec.MAX_FRAGMENT, encoded.getUnsignedMediumLE(lastHeader));
    assertEquals((250 + fragments - 1) & 0xFF, encoded.getUnsignedByte(lastHeader + 3));

    byte[] wire = encoded.getBytes();
    List<Expected> expected = List.of(new Expected(250, (250 + fragments - 1) & 0xFF, payload));
    assertPackets(expected, frame(wire, p -> wire.length), size + " in one read");
    Random random = new Random(7);
    assertPackets(expected, frame(wire, p -> 1 + random.nextInt(70_000)), size + " random reads");
    // reads that end exactly on and around fragment headers
    assertPackets(expected, frame(wire, p -> PacketCodec.MAX_FRAGMENT + 2), size + " odd reads");
  }

  @Test
  void manyPipelinedPacketsInOneRead() {
    Buffer wire = Buffer.buffer();
    List<Expected> expected = new ArrayList<>();
    Random random = new Random(3);
    for (int i = 0; i < 20_000; i++) {
      byte[] payload = new byte[random.nextInt(i % 100 == 0 ? 5000 : 60)];
      random.nextBytes(payload);
      PacketCodec.encodeTo(wire, i & 0xFF, Buffer.buffer(payload));
      expected.add(new Expected(i & 0xFF, i & 0xFF, payload));
    }
    byte[] bytes = wire.getBytes();
    assertPackets(expected, frame(bytes, p -> bytes.length), "one read");
    assertPackets(expected, frame(bytes, p -> 4093), "4093-byte reads");
  }

  @Test
  void packetOverTheMaximumFailsAtItsHeaderWithAClearError() {
    List<Packet> out = new ArrayList<>();
    PacketFramer framer = PacketFramer.assembling(1000, out::add);
    framer.feed(PacketCodec.encode(0, Buffer.buffer(new byte[1000])));
    assertEquals(1, out.size());
    Buffer header = Buffer.buffer().appendMediumLE(1001).appendByte((byte) 1);
    PacketTooLargeException e = assertThrows(PacketTooLargeException.class, () -> framer.feed(header));
    assertEquals(1001, e.announced());
    assertTrue(e.getMessage().contains("exceeds the maximum of 1000 bytes"), e.getMessage());
    IllegalStateException again = assertThrows(IllegalStateException.class,
        () -> framer.feed(Buffer.buffer(new byte[1])));
    assertTrue(again.getMessage().contains("earlier error"), again.getMessage());
  }

  @Test
  void continuedPacketOverTheMaximumFailsBeforeBufferingTheRest() {
    PacketFramer framer = PacketFramer.assembling(20L << 20, p -> { });
    framer.feed(Buffer.buffer().appendMediumLE(PacketCodec.MAX_FRAGMENT).appendByte((byte) 0));
    framer.feed(Buffer.buffer(new byte[PacketCodec.MAX_FRAGMENT]));
    assertFalse(framer.atPacketBoundary());
    // a second full fragment would make 32 MB: refused on its header alone
    Buffer announce = Buffer.buffer().appendMediumLE(PacketCodec.MAX_FRAGMENT).appendByte((byte) 1);
    PacketTooLargeException e = assertThrows(PacketTooLargeException.class, () -> framer.feed(announce));
    assertEquals(2L * PacketCodec.MAX_FRAGMENT, e.announced());
  }

  @Test
  void continuationWithWrongSequenceIdIsRejected() {
    PacketFramer framer = PacketFramer.assembling(NO_LIMIT, p -> { });
    Buffer wire = Buffer.buffer().appendMediumLE(PacketCodec.MAX_FRAGMENT).appendByte((byte) 5)
        .appendBytes(new byte[PacketCodec.MAX_FRAGMENT]).appendMediumLE(3).appendByte((byte) 9)
        .appendBytes(new byte[3]);
    ProtocolException e = assertThrows(ProtocolException.class, () -> framer.feed(wire));
    assertTrue(e.getMessage().contains("sequence id 9, expected 6"), e.getMessage());
  }

  @Test
  void sequenceIdsWrapAroundAcrossFragments() {
    byte[] payload = new byte[3 * PacketCodec.MAX_FRAGMENT + 5];
    Buffer wire = PacketCodec.encode(254, Buffer.buffer(payload));
    List<Packet> out = new ArrayList<>();
    PacketFramer.assembling(NO_LIMIT, out::add).feed(wire);
    assertEquals(254, out.get(0).sequenceId());
    assertEquals(1, out.get(0).lastSequenceId());
    assertEquals(2, out.get(0).nextSequenceId());
  }

  @Test
  void partialPacketIsReportedUntilComplete() {
    PacketFramer framer = PacketFramer.assembling(NO_LIMIT, p -> { });
    Buffer wire = PacketCodec.encode(0, Buffer.buffer(new byte[100]));
    framer.feed(wire.slice(0, 2));
    assertFalse(framer.atPacketBoundary());
    framer.feed(wire.slice(2, 50));
    assertEquals(46, framer.partialPacketBytes());
    framer.feed(wire.slice(50, wire.length()));
    assertTrue(framer.atPacketBoundary());
  }
}
