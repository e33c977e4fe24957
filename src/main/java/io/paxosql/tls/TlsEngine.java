package io.paxosql.tls;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS implementation that runs the member links. OpenSSL is BoringSSL from netty-tcnative (statically
 * linked, linux-x86_64 only): it encrypts and decrypts with less CPU per record than the JDK's engine, which
 * on a saturated machine is TPS. The JDK engine is the fallback wherever the native library cannot load
 * (another platform, a noexec /tmp). Either way the certificate checks are the same: the chain against the
 * cluster CA (a Java TrustManager with both engines) and the node id read from the peer's certificate.
 */
public enum TlsEngine {
  OPENSSL("openssl"),
  JDK("jdk");

  /** What {@code tls.engine} asks for. */
  public enum Preference {
    /** OpenSSL when its native library loads, else the JDK's engine. */
    AUTO,
    /** OpenSSL or refuse to start (for an operator who measured and wants no silent fallback). */
    OPENSSL,
    JDK;

    public static Preference parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(TlsEngine.class);
  /** Preferences whose outcome was logged already: once per JVM each, not once per link. */
  private static final Set<Preference> LOGGED = ConcurrentHashMap.newKeySet();

  private final String label;

  TlsEngine(String label) {
    this.label = label;
  }

  /** The name in status, metrics and logs: {@code openssl} or {@code jdk}. */
  public String label() {
    return label;
  }

  /** Whether netty-tcnative's BoringSSL loaded and can serve our links (ALPN for gRPC, a KeyManagerFactory for PEM keys). */
  public static boolean openSslUsable() {
    return OpenSsl.isAvailable() && OpenSsl.supportsKeyManagerFactory() && OpenSSLEngineOptions.isAlpnAvailable();
  }

  /** Why OpenSSL is not usable here, for the log and the error (null when it is). */
  static String openSslProblem() {
    if (!OpenSsl.isAvailable()) {
      Throwable t = OpenSsl.unavailabilityCause();
      return "netty-tcnative did not load: " + (t == null ? "unknown cause" : t.toString());
    }
    if (!OpenSsl.supportsKeyManagerFactory()) {
      return OpenSsl.versionString() + " cannot use a KeyManagerFactory";
    }
    return OpenSSLEngineOptions.isAlpnAvailable() ? null : OpenSsl.versionString() + " has no ALPN";
  }

  /**
   * The engine {@code p} gives on this machine; the first call per preference logs it (call it on a worker
   * thread first: loading the native library takes a few ms to tens of ms).
   *
   * @throws IllegalStateException for {@link Preference#OPENSSL} where OpenSSL is not usable, naming why
   */
  public static TlsEngine choose(Preference p) {
    TlsEngine e = switch (p) {
      case JDK -> JDK;
      case AUTO -> openSslUsable() ? OPENSSL : JDK;
      case OPENSSL -> {
        if (!openSslUsable()) {
          throw new IllegalStateException("tls.engine is openssl but OpenSSL cannot be used here: " + openSslProblem()
              + "; set tls.engine: auto (falls back to the JDK's engine) or jdk");
        }
        yield OPENSSL;
      }
    };
    if (LOGGED.add(p)) {
      if (e == OPENSSL) {
        LOG.info("TLS engine for member links: openssl ({}, netty-tcnative)", OpenSsl.versionString());
      } else if (p == Preference.JDK) {
        LOG.info("TLS engine for member links: jdk (tls.engine: jdk)");
      } else {
        LOG.warn("TLS engine for member links: jdk, the fallback; OpenSSL is not usable: {}", openSslProblem());
      }
    }
    return e;
  }

  /** Vert.x's options for this engine. */
  public SSLEngineOptions options() {
    return this == OPENSSL ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
  }
}
