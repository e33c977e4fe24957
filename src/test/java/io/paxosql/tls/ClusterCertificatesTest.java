package io.paxosql.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCertificatesTest {
  static final Duration DAY = Duration.ofDays(1);

  @Test
  void aNodeCertificateNamesItsNodeAndHostsAndChainsToTheCa(@TempDir Path dir) throws Exception {
    ClusterCertificates ca = ClusterCertificates.openOrCreate(dir, "c", DAY);
    TlsFiles f = ca.issue(7, List.of("10.0.0.7", "db7.example"), DAY);
    X509Certificate cert = ClusterCertificates.readCert(f.cert());
    X509Certificate root = ClusterCertificates.readCert(f.ca());
    cert.verify(root.getPublicKey());
    cert.checkValidity();
    assertEquals(OptionalInt.of(7), MemberIdentity.nodeId(cert));
    String sans = cert.getSubjectAlternativeNames().toString();
    assertTrue(sans.contains("paxosql://node/7") && sans.contains("10.0.0.7") && sans.contains("db7.example"), sans);
    assertTrue(cert.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")));
    assertEquals(-1, cert.getBasicConstraints(), "a node certificate is no CA");
    assertTrue(root.getBasicConstraints() >= 0, "the CA is one");
    assertEquals(OptionalInt.empty(), MemberIdentity.nodeId(root), "the CA names no node");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.key())));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))));
    assertTrue(Files.readString(f.key()).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8, as Vert.x reads it");
  }

  @Test
  void theCaIsReusedAndNodeCertificatesAreNeverOverwritten(@TempDir Path dir) throws Exception {
    ClusterCertificates.openOrCreate(dir, "c", DAY).issue(1, List.of("127.0.0.1"), DAY);
    String caBefore = Files.readString(dir.resolve("ca.pem"));
    ClusterCertificates again = ClusterCertificates.openOrCreate(dir, "c", DAY);
    TlsFiles four = again.issue(4, List.of("127.0.0.1"), DAY);
    assertEquals(caBefore, Files.readString(dir.resolve("ca.pem")));
    ClusterCertificates.readCert(four.cert()).verify(ClusterCertificates.readCert(four.ca()).getPublicKey());
    assertThrows(FileAlreadyExistsException.class, () -> again.issue(1, List.of("127.0.0.1"), DAY));
    String one = Files.readString(dir.resolve("node-1.pem"));
    again.ensure(1, List.of("127.0.0.1"), DAY);
    assertEquals(one, Files.readString(dir.resolve("node-1.pem")), "ensure keeps what exists");
    Files.delete(dir.resolve("ca.key"));
    assertThrows(IOException.class, () -> ClusterCertificates.openOrCreate(dir, "c", DAY));
  }

  @Test
  void senderCheckTrustsTheCertificateNotTheMessage() {
    IntPredicate members = id -> id >= 1 && id <= 3;
    assertEquals(SenderCheck.Verdict.ACCEPT, SenderCheck.check(true, OptionalInt.of(2), 2, members));
    assertEquals(SenderCheck.Verdict.ACCEPT, SenderCheck.check(true, OptionalInt.of(2), -1, members));
    assertEquals(SenderCheck.Verdict.IMPOSTOR, SenderCheck.check(true, OptionalInt.of(3), 1, members));
    assertEquals(SenderCheck.Verdict.NOT_MEMBER, SenderCheck.check(true, OptionalInt.of(9), 9, members));
    assertEquals(SenderCheck.Verdict.NO_IDENTITY, SenderCheck.check(true, OptionalInt.empty(), 1, members));
    assertEquals(SenderCheck.Verdict.ACCEPT, SenderCheck.check(false, OptionalInt.empty(), 1, members));
    assertEquals(SenderCheck.Verdict.NOT_MEMBER, SenderCheck.check(false, OptionalInt.empty(), 9, members));
  }
}
