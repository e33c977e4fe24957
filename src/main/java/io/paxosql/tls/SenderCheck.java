package io.paxosql.tls;

import java.util.OptionalInt;
import java.util.function.IntPredicate;

/**
 * The one rule for who may talk to a member, on every member-to-member path (Paxos messages, forwarded
 * proposals, catch-up streams, read index, init, the internal proxy hop): the sender is the node id in
 * its verified certificate, it must be a member now ({@code isMember} reads the live member set), and a
 * sender id written in the message must agree with the certificate. Without TLS ({@code tls.mode: off})
 * only the written id can be checked, which anyone can forge; that mode is for trusted networks only.
 */
public final class SenderCheck {
  /** Why traffic was refused; the tag of the refusal counter. */
  public enum Verdict {
    ACCEPT("accepted"),
    /** The certificate chains to the cluster CA but names no member id (an operator's or client's certificate). */
    NO_IDENTITY("no-node-id"),
    /** The certificate's node is not a member (removed, never added, or still joining). */
    NOT_MEMBER("not-member"),
    /** The message claims to come from another node than its certificate names. */
    IMPOSTOR("impostor");

    private final String tag;

    Verdict(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }

  private SenderCheck() {}

  /**
   * @param tls      whether the link is mutual TLS (then {@code certNode} is what the certificate says)
   * @param certNode the node id in the peer's certificate, empty when it has none
   * @param claimed  the sender id written in the message, or -1 when the message carries none
   */
  public static Verdict check(boolean tls, OptionalInt certNode, int claimed, IntPredicate isMember) {
    int sender;
    if (tls) {
      if (certNode.isEmpty()) {
        return Verdict.NO_IDENTITY;
      }
      sender = certNode.getAsInt();
      if (claimed != -1 && claimed != sender) {
        return Verdict.IMPOSTOR;
      }
    } else {
      sender = claimed;
    }
    return isMember.test(sender) ? Verdict.ACCEPT : Verdict.NOT_MEMBER;
  }
}
