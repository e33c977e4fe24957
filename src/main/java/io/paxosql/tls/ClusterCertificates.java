package io.paxosql.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A cluster's certificate authority and its members' certificates, made with BouncyCastle: ECDSA P-256
 * keys, a self-signed CA ({@code ca.pem}, key {@code ca.key}), and per node {@code node-N.pem} /
 * {@code node-N.key} whose subjectAltName holds the URI {@code paxosql://node/N} (its identity, see
 * {@link MemberIdentity}) plus the host names and addresses peers dial. Private keys are written
 * owner-only (0600). An existing CA in the directory is reused, so certificates for new members join
 * the same cluster; an existing node certificate is never overwritten.
 */
public final class ClusterCertificates {
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final X509Certificate caCert;
  private final PrivateKey caKey;

  private ClusterCertificates(Path dir, X509Certificate caCert, PrivateKey caKey) {
    this.dir = dir;
    this.caCert = caCert;
    this.caKey = caKey;
  }

  public static Path caFile(Path dir) {
    return dir.resolve("ca.pem");
  }

  static Path caKeyFile(Path dir) {
    return dir.resolve("ca.key");
  }

  public static Path certFile(Path dir, int node) {
    return dir.resolve("node-" + node + ".pem");
  }

  public static Path keyFile(Path dir, int node) {
    return dir.resolve("node-" + node + ".key");
  }

  /**
   * Opens the CA in {@code dir}, or creates one named after {@code clusterName} (valid {@code validity})
   * when the directory has none.
   */
  public static ClusterCertificates openOrCreate(Path dir, String clusterName, Duration validity) throws IOException {
    Files.createDirectories(dir);
    Path ca = caFile(dir);
    Path caKey = caKeyFile(dir);
    boolean hasCert = Files.exists(ca);
    boolean hasKey = Files.exists(caKey);
    if (hasCert && hasKey) {
      return new ClusterCertificates(dir, readCert(ca), readKey(caKey));
    }
    if (hasCert || hasKey) {
      throw new IOException("found " + (hasCert ? ca : caKey) + " without " + (hasCert ? caKey : ca)
          + "; restore the missing file, or move both away to create a new cluster CA");
    }
    try {
      KeyPair kp = newKeyPair();
      X500Name name = new X500Name("CN=paxosql cluster CA " + clusterName);
      Instant now = Instant.now();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(300)),
          Date.from(now.plus(validity)), name, kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
      X509Certificate cert = sign(b, kp.getPrivate());
      writeKey(caKey, kp.getPrivate());
      writeAtomically(ca, pem(cert));
      return new ClusterCertificates(dir, cert, kp.getPrivate());
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot create the cluster CA: " + e.getMessage(), e);
    }
  }

  /**
   * Issues node {@code id}'s certificate and key for {@code hosts} (DNS names or IP addresses peers use
   * to reach it). Refuses to overwrite an existing one: re-issuing is a rotation, done on purpose.
   */
  public TlsFiles issue(int id, List<String> hosts, Duration validity) throws IOException {
    if (id < 1 || id > 4095) {
      throw new IllegalArgumentException("node id " + id + " is outside 1-4095");
    }
    Path cert = certFile(dir, id);
    Path key = keyFile(dir, id);
    for (Path p : new Path[] {cert, key}) {
      if (Files.exists(p)) {
        throw new FileAlreadyExistsException(p + " exists; move it away first to issue node " + id + " a new one");
      }
    }
    try {
      KeyPair kp = newKeyPair();
      Instant now = Instant.now();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
          Date.from(now.minusSeconds(300)), Date.from(now.plus(validity)),
          new X500Name("CN=paxosql node " + id), kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.subjectAlternativeName, false, altNames(id, hosts));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
      X509Certificate signed = sign(b, caKey);
      writeKey(key, kp.getPrivate());
      writeAtomically(cert, pem(signed));
      return new TlsFiles(cert, key, caFile(dir));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot issue node " + id + "'s certificate: " + e.getMessage(), e);
    }
  }

  /** Node {@code id}'s files, issued now unless both exist already (the demo's second run reuses them). */
  public TlsFiles ensure(int id, List<String> hosts, Duration validity) throws IOException {
    if (Files.exists(certFile(dir, id)) && Files.exists(keyFile(dir, id))) {
      return TlsFiles.inDir(dir, id);
    }
    return issue(id, hosts, validity);
  }

  private static GeneralNames altNames(int id, List<String> hosts) {
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, MemberIdentity.uriOf(id)));
    for (String h : hosts) {
      names.add(isAddress(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  /** An IPv4 literal, or an IPv6 one (has a colon); anything else is a DNS name. */
  private static boolean isAddress(String host) {
    if (IPV4.matcher(host).matches() || host.contains(":")) {
      try {
        InetAddress.getByName(host); // a literal: no lookup happens
        return true;
      } catch (IOException e) {
        throw new IllegalArgumentException("host '" + host + "' is not a valid IP address", e);
      }
    }
    return false;
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey signer)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner s = new JcaContentSignerBuilder(SIGNATURE).build(signer);
    return new JcaX509CertificateConverter().getCertificate(b.build(s));
  }

  private static String pem(Object o) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }

  /** PKCS#8 ("PRIVATE KEY"), created owner-only before any byte is written. */
  private static void writeKey(Path file, PrivateKey key) throws IOException {
    String text = pem(new JcaPKCS8Generator(key, null));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  static X509Certificate readCert(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      if (!(o instanceof X509CertificateHolder h)) {
        throw new IOException(file + " holds no PEM certificate");
      }
      return new JcaX509CertificateConverter().getCertificate(h);
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " holds an unreadable certificate: " + e.getMessage(), e);
    }
  }

  static PrivateKey readKey(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return conv.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return conv.getKeyPair(pair).getPrivate();
      }
      throw new IOException(file + " holds no PEM private key");
    }
  }
}
