package io.paxosql.binlog.log;

import io.paxosql.binlog.GtidState;

/**
 * What the log still holds: entries {@code first..last} (empty when first > last), the GTID state
 * just before {@code first} (what was purged) and the state after {@code last}.
 */
public record RetainedRange(long first, long last, GtidState before, GtidState after) {
  public boolean isEmpty() {
    return first > last;
  }
}
