package io.paxosql.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Real MariaDB 10.11 replica traffic from the shared notes (payloads.tsv: time, source port,
 * destination port, TCP payload hex). Read in place, never copied into the repository.
 */
public final class Captures {
  /** The master's port in the capture; rows from it are server-to-client bytes. */
  public static final int MASTER_PORT = 13306;

  /** One TCP segment as captured. */
  public record Segment(double time, int sourcePort, int destinationPort, byte[] bytes) {
    public boolean fromServer() {
      return sourcePort == MASTER_PORT;
    }
  }

  private Captures() {}

  /**
   * The captures folder: the {@code paxosql.captures} system property if that folder exists, else
   * /work/shared/notes/mariadb-captures, else ../shared/notes/mariadb-captures.
   */
  public static Path directory() {
    List<Path> candidates = new ArrayList<>();
    String property = System.getProperty("paxosql.captures");
    if (property != null && !property.isBlank()) {
      candidates.add(Path.of(property));
    }
    candidates.add(Path.of("/work/shared/notes/mariadb-captures"));
    candidates.add(Path.of("..", "shared", "notes", "mariadb-captures"));
    for (Path p : candidates) {
      if (Files.isRegularFile(p.resolve("payloads.tsv"))) {
        return p;
      }
    }
    throw new IllegalStateException("payloads.tsv not found in any of " + candidates
        + "; set -Dpaxosql.captures to the shared notes' mariadb-captures folder");
  }

  public static List<Segment> segments() {
    Path file = directory().resolve("payloads.tsv");
    try {
      List<Segment> out = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split("\t");
        if (f.length != 4) {
          throw new IllegalStateException(file + ": expected 4 tab-separated fields in: " + line);
        }
        out.add(new Segment(Double.parseDouble(f[0]), Integer.parseInt(f[1]),
            Integer.parseInt(f[2]), HexFormat.of().parseHex(f[3])));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** All bytes one side sent, in order: {@code fromServer} picks the direction. */
  public static byte[] stream(boolean fromServer) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Segment s : segments()) {
      if (s.fromServer() == fromServer) {
        out.writeBytes(s.bytes());
      }
    }
    return out.toByteArray();
  }
}
