package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Gtid;
import org.junit.jupiter.api.Test;

class ReplicaLagTest {
  private static final long MS = 1_000_000L;

  @Test
  void lagIsTheAgeOfTheOldestUnappliedTransaction() {
    ReplicaLag lag = new ReplicaLag();
    assertEquals(0, lag.lagMs(5_000 * MS));
    lag.accepted(new Gtid(0, 4097, 1), 1_000 * MS);
    lag.accepted(new Gtid(0, 4097, 2), 1_300 * MS);
    lag.accepted(new Gtid(0, 4097, 3), 1_700 * MS);
    assertEquals(1_000, lag.lagMs(2_000 * MS));
    lag.applied(GtidState.parse("0-4097-1"));
    assertEquals(700, lag.lagMs(2_000 * MS));
    lag.applied(GtidState.parse("0-4097-3"));
    assertEquals(0, lag.lagMs(2_000 * MS));
    assertEquals(0, lag.unappliedCount());
  }

  @Test
  void aNewEpochsTransactionsAreCoveredBySequenceInTheirDomain() {
    ReplicaLag lag = new ReplicaLag();
    lag.accepted(new Gtid(0, 4097, 5), 0);
    lag.accepted(new Gtid(0, 8194, 6), 10 * MS);
    lag.applied(GtidState.parse("0-4097-5"));
    assertEquals(90, lag.lagMs(100 * MS));
    lag.applied(GtidState.parse("0-8194-6"));
    assertEquals(0, lag.lagMs(100 * MS));
  }
}
