package io.paxosql.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Makes a throwaway CA and node certificates (for 127.0.0.1 / localhost) with openssl at test time. */
public final class TestCerts {
  private TestCerts() {}

  /** Creates {@code ca.pem} and, per name, {@code name.pem} + {@code name.key} under {@code dir}. */
  public static void make(Path dir, String... names) throws IOException, InterruptedException {
    run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=paxosql-test-ca");
    Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        + "extendedKeyUsage=serverAuth,clientAuth\n");
    for (String n : names) {
      run(dir, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", n + ".key", "-out", n + ".csr", "-subj", "/CN=" + n);
      run(dir, "openssl", "x509", "-req", "-in", n + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", n + ".pem", "-days", "2", "-extfile", "ext.cnf");
    }
  }

  public static TransportConfig.Tls tls(Path dir, String name) {
    return new TransportConfig.Tls(dir.resolve(name + ".pem"), dir.resolve(name + ".key"), dir.resolve("ca.pem"));
  }

  private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(cmd)).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
