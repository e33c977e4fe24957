package io.paxosql.proxy;

import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * PROXY protocol version 1 (the human-readable line): tells the next hop the original client's
 * address. MariaDB accepts it from hosts in proxy_protocol_networks; our internal port requires
 * it, so the client's address survives the hop from a non-master node.
 */
public record ProxyProtocolHeader(String sourceHost, int sourcePort, String destinationHost,
    int destinationPort) {

  /** A v1 line is at most 107 bytes including CRLF. */
  public static final int MAX_LENGTH = 107;

  public Buffer encode() {
    boolean v6 = sourceHost.contains(":") || destinationHost.contains(":");
    return Buffer.buffer("PROXY " + (v6 ? "TCP6 " : "TCP4 ") + sourceHost + " " + destinationHost
        + " " + sourcePort + " " + destinationPort + "\r\n", StandardCharsets.US_ASCII.name());
  }

  /** Index just past the CRLF ending a header at the start of {@code bytes}, or -1 if incomplete. */
  public static int endOf(Buffer bytes) {
    int limit = Math.min(bytes.length(), MAX_LENGTH);
    for (int i = 1; i < limit; i++) {
      if (bytes.getByte(i - 1) == '\r' && bytes.getByte(i) == '\n') {
        return i + 1;
      }
    }
    if (bytes.length() >= MAX_LENGTH) {
      throw new IllegalArgumentException("no PROXY protocol v1 line in the first " + MAX_LENGTH
          + " bytes: the peer is not a paxosql proxy");
    }
    return -1;
  }

  /** Parses one v1 line (with its CRLF). */
  public static ProxyProtocolHeader parse(String line) {
    if (!line.endsWith("\r\n")) {
      throw new IllegalArgumentException("PROXY line must end with CRLF: " + printable(line));
    }
    String[] f = line.substring(0, line.length() - 2).split(" ");
    if (f.length != 6 || !f[0].equals("PROXY") || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) {
      throw new IllegalArgumentException("expected 'PROXY TCP4|TCP6 src dst sport dport', got "
          + printable(line));
    }
    return new ProxyProtocolHeader(address(f[2], line), port(f[4], line), address(f[3], line),
        port(f[5], line));
  }

  private static String address(String s, String line) {
    if (!s.matches("[0-9a-fA-F:.]+")) {
      throw new IllegalArgumentException("bad address '" + s + "' in PROXY line " + printable(line));
    }
    try {
      return InetAddress.getByName(s).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address '" + s + "' in PROXY line " + printable(line), e);
    }
  }

  private static int port(String s, String line) {
    try {
      int p = Integer.parseInt(s);
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("bad port '" + s + "' in PROXY line " + printable(line));
  }

  private static String printable(String s) {
    return "'" + s.replace("\r", "\\r").replace("\n", "\\n") + "'";
  }
}
