package io.paxosql.binlog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binlog side of the captured replica conversation ({@link io.paxosql.testing.Captures}): the
 * master's packets on the dump connection, and the binlog events inside them with the semi-sync header
 * stripped.
 */
public final class Captures {
  private Captures() {}

  /** A captured packet: sequence id and payload. */
  public record Packet(int seq, byte[] payload) {}

  /** The MySQL packets of one direction (the capture has no payload of 16 MB, so no joining is needed). */
  public static List<Packet> packets(boolean fromMaster) {
    byte[] s = io.paxosql.testing.Captures.stream(fromMaster);
    List<Packet> out = new ArrayList<>();
    int pos = 0;
    while (pos + 4 <= s.length) {
      int len = (s[pos] & 0xff) | (s[pos + 1] & 0xff) << 8 | (s[pos + 2] & 0xff) << 16;
      out.add(new Packet(s[pos + 3] & 0xff, Arrays.copyOfRange(s, pos + 4, pos + 4 + len)));
      pos += 4 + len;
    }
    return out;
  }

  /** Dump-stream packets: 0x00, then 0xEF and need_ack (semi-sync), then the event. */
  public static List<byte[]> semiSyncEventPackets() {
    List<byte[]> out = new ArrayList<>();
    for (Packet p : packets(true)) {
      byte[] b = p.payload();
      if (b.length > 3 + 19 && b[0] == 0 && (b[1] & 0xff) == 0xEF) {
        out.add(b);
      }
    }
    return out;
  }

  public static List<byte[]> events() {
    List<byte[]> out = new ArrayList<>();
    for (byte[] b : semiSyncEventPackets()) {
      out.add(Arrays.copyOfRange(b, 3, b.length));
    }
    return out;
  }
}
