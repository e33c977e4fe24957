package io.paxosql.proxy;

import io.paxosql.tls.TlsFiles;
import java.util.function.IntPredicate;

/**
 * How the internal hop (a non-master's proxy relaying a client to the master's internal port) knows the
 * other end is a member. With {@code tls}, both ends present cluster-CA certificates: the master admits a
 * caller whose certificate names a current member ({@code isMember}, the live member set) and only then
 * reads its PROXY header; the caller checks that the master's certificate names the node it meant to
 * reach. Without, the caller's source address must be a member host (spoofable; tls.mode: off only).
 */
public record MemberHop(TlsFiles tls, IntPredicate isMember) {
  public static final MemberHop PLAINTEXT = new MemberHop(null, id -> false);

  public boolean secured() {
    return tls != null;
  }
}
