package io.paxosql.proxy;

import io.paxosql.tls.MemberIdentity;
import io.paxosql.tls.SenderCheck;
import io.vertx.core.net.NetSocket;
import java.util.OptionalInt;
import javax.net.ssl.SSLPeerUnverifiedException;

/** Who may use the internal hop, both ends: the caller of the internal port and the master it dials. */
final class MemberChecks {
  private MemberChecks() {}

  /**
   * Why the caller of the internal port is not a member, or null when it is: with a secured hop, its
   * certificate (verified against the cluster CA by the handshake) must name a current member; without,
   * its source address must be a member host.
   */
  static String callerRefusal(ProxyPort port, NetSocket client, String clientHost) {
    MemberHop hop = port.memberHop();
    if (!hop.secured()) {
      return port.settings().memberHosts().contains(clientHost) ? null : "Host '" + clientHost
          + "' is not a cluster member; the internal proxy port accepts only member nodes";
    }
    OptionalInt id;
    try {
      id = MemberIdentity.nodeId(client.peerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      id = OptionalInt.empty();
    }
    SenderCheck.Verdict v = SenderCheck.check(true, id, -1, hop.isMember());
    return v == SenderCheck.Verdict.ACCEPT ? null : "Host '" + clientHost + "' is not a cluster member ("
        + v.tag() + "); the internal proxy port accepts only member nodes with a cluster certificate";
  }

  /** Whether the member at the other end of {@code s} holds node {@code nodeId}'s certificate. */
  static boolean isNode(NetSocket s, String nodeId) {
    try {
      OptionalInt id = MemberIdentity.nodeId(s.peerCertificates());
      return id.isPresent() && Integer.toString(id.getAsInt()).equals(nodeId);
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /** Why a route is not this node's own MariaDB, for the internal port's refusal. */
  static String describe(MasterRoute r) {
    if (r instanceof MasterRoute.Remote remote) {
      return "the master is node " + remote.nodeId();
    }
    if (r instanceof MasterRoute.None none) {
      return none.reason();
    }
    return "unknown";
  }
}
