package io.paxosql.tls;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A member's identity as its certificate states it: a subjectAltName URI {@code paxosql://node/N}, N the
 * node id (1-4095). Peers are known by this, never by a field a sender writes itself. The certificate
 * chain has already been verified against the cluster CA by the TLS handshake when this is read.
 */
public final class MemberIdentity {
  public static final String URI_PREFIX = "paxosql://node/";
  private static final Pattern URI = Pattern.compile(Pattern.quote(URI_PREFIX) + "([1-9][0-9]{0,3})");
  /** GeneralName tag of a uniformResourceIdentifier in {@link X509Certificate#getSubjectAlternativeNames}. */
  private static final int SAN_URI = 6;

  private MemberIdentity() {}

  public static String uriOf(int nodeId) {
    return URI_PREFIX + nodeId;
  }

  /** The node id in the peer's leaf certificate, or empty when it names none (or names two). */
  public static OptionalInt nodeId(List<? extends Certificate> chain) {
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      return OptionalInt.empty();
    }
    return nodeId(leaf);
  }

  public static OptionalInt nodeId(X509Certificate cert) {
    Collection<List<?>> names;
    try {
      names = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return OptionalInt.empty();
    }
    if (names == null) {
      return OptionalInt.empty();
    }
    OptionalInt found = OptionalInt.empty();
    for (List<?> n : names) {
      if (n.size() == 2 && n.get(0) instanceof Integer tag && tag == SAN_URI && n.get(1) instanceof String s) {
        Matcher m = URI.matcher(s);
        if (m.matches()) {
          int id = Integer.parseInt(m.group(1));
          if (id > 4095 || found.isPresent() && found.getAsInt() != id) {
            return OptionalInt.empty(); // out of range, or two identities: trust neither
          }
          found = OptionalInt.of(id);
        }
      }
    }
    return found;
  }
}
