package io.paxosql.log;

import java.util.List;

/**
 * Chosen values read from the log, in instance order.
 *
 * @param values          the values from the requested instance on (possibly none if it is not chosen yet)
 * @param snapshotNeeded  the requested instance was deleted by retention; the reader needs a snapshot
 * @param firstRetained   the first chosen instance the log still holds
 * @param chosenBelow     one past the last chosen instance the log holds
 */
public record ReadResult(List<LogRecord.Chosen> values, boolean snapshotNeeded, long firstRetained,
                         long chosenBelow) {
  public ReadResult {
    values = List.copyOf(values);
  }
}
