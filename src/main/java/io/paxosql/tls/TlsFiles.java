package io.paxosql.tls;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The PEM files of one member's mutual TLS: its certificate, its private key, and the cluster CA that
 * signed every member's certificate (each side of a member-to-member link verifies the other against it);
 * and which TLS implementation runs the links ({@code tls.engine}).
 */
public record TlsFiles(Path cert, Path key, Path ca, TlsEngine.Preference engine) {
  public TlsFiles {
    if (engine == null) {
      throw new IllegalArgumentException("TLS engine preference missing: auto, openssl or jdk");
    }
    for (Path p : new Path[] {cert, key, ca}) {
      if (p == null || !Files.isReadable(p)) {
        throw new IllegalArgumentException("TLS file " + p + " is missing or unreadable; set tls.cert, tls.key and"
            + " tls.ca to the PEM files `java -jar paxosql.jar certs` wrote");
      }
    }
  }

  /** With the engine chosen automatically (OpenSSL where it loads). */
  public TlsFiles(Path cert, Path key, Path ca) {
    this(cert, key, ca, TlsEngine.Preference.AUTO);
  }

  public TlsFiles withEngine(TlsEngine.Preference p) {
    return new TlsFiles(cert, key, ca, p);
  }

  /** The files {@link ClusterCertificates} writes for node {@code id} under {@code dir}. */
  public static TlsFiles inDir(Path dir, int id) {
    return new TlsFiles(ClusterCertificates.certFile(dir, id), ClusterCertificates.keyFile(dir, id),
        ClusterCertificates.caFile(dir));
  }
}
