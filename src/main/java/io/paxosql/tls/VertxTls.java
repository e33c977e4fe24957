package io.paxosql.tls;

import io.netty.handler.ssl.util.BouncyCastleUtil;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.http.ClientAuth;

/**
 * Vert.x settings for a member-to-member link: this member's certificate, and trust in the cluster CA
 * only (not the JDK's public CAs), so a peer must hold a certificate the cluster CA signed. Servers
 * require one from every client. The engine is {@link TlsEngine}'s choice for {@link TlsFiles#engine}.
 */
public final class VertxTls {
  /** A TLS handshake that has not finished by then is dropped (slow or stalled peers hold no slot). */
  public static final int HANDSHAKE_TIMEOUT_SECONDS = 10;

  private VertxTls() {}

  /**
   * Netty looks for BouncyCastle providers when it builds its first TLS engine, on an event loop. With
   * bcprov on the class path (bcpkix makes our certificates) that first look loads and initialises the
   * whole BC provider: measured 2.4-5 s of blocked event loop on this loaded 2-core machine, enough to
   * lose a lease. Call this once on a worker thread before the first TLS link; later calls cost nothing.
   */
  public static void preload() {
    BouncyCastleUtil.isBcProvAvailable();
    // Loads netty-tcnative's library (tens of ms) here rather than on the event loop of the first link.
    TlsEngine.openSslUsable();
  }

  public static <T extends NetServerOptions> T server(T o, TlsFiles f) {
    o.setSsl(true).setSslEngineOptions(TlsEngine.choose(f.engine()).options()).setClientAuth(ClientAuth.REQUIRED)
        .setKeyCertOptions(keyCert(f)).setTrustOptions(trust(f)).setSslHandshakeTimeout(HANDSHAKE_TIMEOUT_SECONDS);
    return o;
  }

  public static <T extends ClientOptionsBase> T client(T o, TlsFiles f) {
    o.setSsl(true).setSslEngineOptions(TlsEngine.choose(f.engine()).options()).setKeyCertOptions(keyCert(f))
        .setTrustOptions(trust(f)).setSslHandshakeTimeout(HANDSHAKE_TIMEOUT_SECONDS);
    return o;
  }

  private static PemKeyCertOptions keyCert(TlsFiles f) {
    return new PemKeyCertOptions().setCertPath(f.cert().toString()).setKeyPath(f.key().toString());
  }

  private static PemTrustOptions trust(TlsFiles f) {
    return new PemTrustOptions().addCertPath(f.ca().toString());
  }
}
