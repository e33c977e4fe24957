package io.paxosql.node.seed;

import java.nio.file.Path;
import java.util.List;

/**
 * A prepared backup ready to become a MariaDB datadir, and the point of the cluster's history it holds.
 *
 * @param donor the member the backup came from
 * @param gtid the donor's {@code gtid_binlog_pos} at the backup's consistent point: the joiner's
 *     {@code gtid_binlog_state} and {@code gtid_slave_pos}, where its replay from the chain starts
 * @param binlogFile the donor's binlog file at that point (information only)
 * @param binlogPos the donor's binlog offset at that point (information only)
 * @param holdInstance an instance of the donor's Paxos log at or below the backup's point, where the
 *     donor holds retention; a joiner that installs a chain checkpoint starts its log there
 * @param bytes bytes streamed
 * @param initialisedMembers the member list the donor's cluster was initialised with (empty if not)
 * @param dir the prepared backup (a complete datadir)
 * @param chainCheckpoint the donor's newest chain checkpoint the backup covers (ChainCheckpoint bytes),
 *     empty when it has none: a joiner may start its log at its instance ({@code holdInstance}) and its
 *     chain from it instead of replaying the log from the beginning
 */
public record SeedPoint(int donor, String gtid, String binlogFile, long binlogPos, long holdInstance, long bytes,
    List<String> initialisedMembers, Path dir, byte[] chainCheckpoint) {
  public SeedPoint {
    initialisedMembers = List.copyOf(initialisedMembers);
    chainCheckpoint = chainCheckpoint.clone();
  }

  public boolean hasChainCheckpoint() {
    return chainCheckpoint.length > 0;
  }
}
