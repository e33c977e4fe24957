package io.paxosql.binlog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The real replica conversation in {@code mariadb-captures/payloads.tsv}: the master's packets on
 * the dump connection, and the binlog events inside them with the semi-sync header stripped.
 */
public final class Captures {
  public static final int MASTER_PORT = 13306;
  private static final Path FALLBACK = Path.of("/work/shared/notes/mariadb-captures");

  private Captures() {}

  public static Path dir() {
    String prop = System.getProperty("paxosql.captures");
    if (prop != null && Files.isDirectory(Path.of(prop))) {
      return Path.of(prop);
    }
    if (Files.isDirectory(FALLBACK)) {
      return FALLBACK;
    }
    throw new IllegalStateException("captures not found: set -Dpaxosql.captures to shared/notes/mariadb-captures");
  }

  /** Concatenated TCP payload bytes in one direction, in capture order. */
  public static byte[] stream(boolean fromMaster) {
    try {
      var out = new java.io.ByteArrayOutputStream();
      for (String line : Files.readAllLines(dir().resolve("payloads.tsv"))) {
        String[] f = line.split("\t");
        if (f.length < 4) {
          continue;
        }
        boolean master = Integer.parseInt(f[1]) == MASTER_PORT;
        if (master == fromMaster) {
          out.writeBytes(HexFormat.of().parseHex(f[3]));
        }
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A captured packet: sequence id and payload. */
  public record Packet(int seq, byte[] payload) {}

  /** The MySQL packets of one direction (the capture has no payload of 16 MB, so no joining is needed). */
  public static List<Packet> packets(boolean fromMaster) {
    byte[] s = stream(fromMaster);
    List<Packet> out = new ArrayList<>();
    int pos = 0;
    while (pos + 4 <= s.length) {
      int len = (s[pos] & 0xff) | (s[pos + 1] & 0xff) << 8 | (s[pos + 2] & 0xff) << 16;
      out.add(new Packet(s[pos + 3] & 0xff, java.util.Arrays.copyOfRange(s, pos + 4, pos + 4 + len)));
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
      out.add(java.util.Arrays.copyOfRange(b, 3, b.length));
    }
    return out;
  }
}
