package io.paxosql.config;

import java.nio.file.Path;

/**
 * Mutual TLS between members ({@code tls} section). On by default: every member-to-member link (Paxos,
 * the internal proxy hop, read index, init) needs a certificate of the cluster CA, and a peer is known by
 * the node id in it. {@code mode: off} runs those links in plain text, for a network the operator trusts
 * entirely; the node then logs a warning at every start.
 *
 * @param ca   the cluster CA certificate (PEM) every member's certificate chains to
 * @param cert this node's certificate (PEM), naming {@code paxosql://node/<nodeId>}
 * @param key  this node's private key (PEM, PKCS#8), readable by the node's user only
 * @param engine which TLS implementation runs the links: {@code auto} (OpenSSL from netty-tcnative where it
 *     loads, else the JDK's), {@code openssl} (or refuse to start) or {@code jdk}
 */
public record TlsSettings(Mode mode, Path ca, Path cert, Path key, String engine) {
  public enum Mode { ON, OFF }

  public static final String ENGINE_AUTO = "auto";
  public static final TlsSettings OFF = new TlsSettings(Mode.OFF, null, null, null);

  public TlsSettings(Mode mode, Path ca, Path cert, Path key) {
    this(mode, ca, cert, key, ENGINE_AUTO);
  }

  public boolean on() {
    return mode == Mode.ON;
  }
}
