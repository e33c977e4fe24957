package io.paxosql.testing;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Real MariaDB 10.11 replica traffic, kept with the tests: {@code mariadb-captures/payloads.tsv} on the
 * test classpath holds tshark's fields (time, source port, destination port, TCP payload hex) of a
 * semi-sync replica's conversation with its master, and {@code general_semisync_replica.log} the
 * master's general query log of the same replica (copied from the shared notes' mariadb-captures).
 */
public final class Captures {
  /** The master's port in the capture; rows from it are server-to-client bytes. */
  public static final int MASTER_PORT = 13306;
  private static final String PAYLOADS = "/mariadb-captures/payloads.tsv";
  private static final String GENERAL_LOG = "/mariadb-captures/general_semisync_replica.log";

  /** One TCP segment as captured. */
  public record Segment(double time, int sourcePort, int destinationPort, byte[] bytes) {
    public boolean fromServer() {
      return sourcePort == MASTER_PORT;
    }
  }

  private Captures() {}

  public static List<Segment> segments() {
    List<Segment> out = new ArrayList<>();
    for (String line : lines(PAYLOADS)) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t");
      if (f.length != 4) {
        throw new IllegalStateException(PAYLOADS + ": expected 4 tab-separated fields in: " + line);
      }
      out.add(new Segment(Double.parseDouble(f[0]), Integer.parseInt(f[1]),
          Integer.parseInt(f[2]), HexFormat.of().parseHex(f[3])));
    }
    return out;
  }

  /** The replica's side in the master's general query log, same session as the payloads. */
  public static List<String> generalLog() {
    return lines(GENERAL_LOG);
  }

  private static List<String> lines(String resource) {
    InputStream in = Captures.class.getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException(resource + " is not on the test classpath (src/test/resources)");
    }
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return r.lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /** All bytes one side sent, in order: {@code fromServer} picks the direction. */
  public static byte[] stream(boolean fromServer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Segment s : segments()) {
      if (s.fromServer() == fromServer) {
        out.writeBytes(s.bytes());
      }
    }
    return out.toByteArray();
  }
}
