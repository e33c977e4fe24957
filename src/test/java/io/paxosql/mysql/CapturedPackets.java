package io.paxosql.mysql;

import io.paxosql.testing.Captures;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/** The capture's packets, framed, per direction. */
final class CapturedPackets {
  private CapturedPackets() {}

  static List<Packet> fromServer() {
    return frame(Captures.stream(true));
  }

  static List<Packet> fromClient() {
    return frame(Captures.stream(false));
  }

  private static List<Packet> frame(byte[] stream) {
    List<Packet> out = new ArrayList<>();
    PacketFramer.assembling(1L << 30, out::add).feed(Buffer.buffer(stream));
    return out;
  }
}
