package io.paxosql.node;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import java.util.Optional;

/**
 * Decides whether a follower's MariaDB holds a transaction the cluster never chose (typically a
 * write by a privileged local account, which read_only does not stop). The evidence must persist for
 * {@code strikesNeeded} consecutive observations made while the chain is current, because right after a
 * restart the chain can still be catching up with what MariaDB already applied.
 */
final class DivergenceCheck {
  private final int strikesNeeded;
  private int strikes;

  DivergenceCheck(int strikesNeeded) {
    this.strikesNeeded = strikesNeeded;
  }

  /**
   * Returns the evidence once it has held long enough; empty otherwise. While the chain is not
   * current (a restarted node still rebuilding it, or the log still catching up with its peers), a
   * MariaDB ahead of it proves nothing, so nothing counts.
   */
  Optional<String> observe(GtidState applied, GtidState chain, String replicaIoError, String replicaSqlError,
      boolean chainCurrent) {
    Optional<String> evidence = chainCurrent ? evidence(applied, chain, replicaIoError, replicaSqlError)
        : Optional.empty();
    strikes = evidence.isPresent() ? strikes + 1 : 0;
    return strikes >= strikesNeeded ? evidence : Optional.empty();
  }

  static Optional<String> evidence(GtidState applied, GtidState chain, String ioError, String sqlError) {
    for (Gtid g : applied.gtids()) {
      Gtid c = chain.get(g.domainId());
      if (c == null) {
        return Optional.of("MariaDB holds GTID " + g + " in domain " + g.domainId() + ", which the cluster never used");
      }
      if (Long.compareUnsigned(g.seqNo(), c.seqNo()) > 0) {
        return Optional.of("MariaDB holds GTID " + g + " beyond the cluster's last transaction " + c);
      }
      if (g.seqNo() == c.seqNo() && !g.equals(c)) {
        return Optional.of("MariaDB holds GTID " + g + " where the cluster chose " + c);
      }
    }
    if (ioError.contains("diverged")) {
      return Optional.of("the binlog server refused MariaDB's position: " + ioError);
    }
    if (sqlError.contains("out-of-order sequence number")) {
      return Optional.of("MariaDB's replica stopped on a GTID conflict: " + sqlError);
    }
    return Optional.empty();
  }
}
