package io.paxosql.binlog.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.SyntheticBinlog;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.GtidPositionException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InMemoryTransactionLogTest {
  private final SyntheticBinlog gen = new SyntheticBinlog(new Random(5));

  private static Transaction withGtid(Transaction t, String gtid) {
    return new Transaction(Gtid.parse(gtid), t.events(), t.sourceFile(), t.sourceEndPos());
  }

  private InMemoryTransactionLog logOf(String... gtids) {
    InMemoryTransactionLog log = new InMemoryTransactionLog();
    for (String g : gtids) {
      assertTrue(log.append(withGtid(gen.next(), g)).succeeded());
    }
    return log;
  }

  private static Reason failure(InMemoryTransactionLog log, String state) {
    var f = log.locate(GtidState.parse(state));
    assertTrue(f.failed(), "locate(" + state + ") should fail");
    return ((GtidPositionException) f.cause()).reason();
  }

  @Test
  void appendsGetGaplessSequencesAndReadsReturnThemInOrder() {
    InMemoryTransactionLog log = logOf("0-1-1", "0-1-2", "0-1-3");
    List<LogEntry> all = log.read(1, 10).result();
    assertEquals(List.of(1L, 2L, 3L), all.stream().map(LogEntry::sequence).toList());
    assertEquals(1, log.read(3, 10).result().size());
    assertEquals(0, log.read(4, 10).result().size());
    assertEquals(new RetainedRange(1, 3, GtidState.EMPTY, GtidState.parse("0-1-3")), log.retained());
  }

  @Test
  void aGtidNotAfterTheLastInItsDomainIsRefused() {
    InMemoryTransactionLog log = logOf("0-1-5");
    var f = log.append(withGtid(gen.next(), "0-2-5"));
    assertTrue(f.failed());
    assertTrue(f.cause().getMessage().contains("not after the log's last transaction in domain 0 (0-1-5)"));
    assertTrue(log.append(withGtid(gen.next(), "1-1-1")).succeeded());
  }

  @Test
  void locateResumesJustAfterTheReplicasGtidPerDomain() {
    InMemoryTransactionLog log = logOf("0-1-1", "0-1-2", "1-2-1", "0-1-3", "1-2-2");
    assertEquals(1L, log.locate(GtidState.EMPTY).result());
    assertEquals(3L, log.locate(GtidState.parse("0-1-2")).result());
    assertEquals(4L, log.locate(GtidState.parse("0-1-2,1-2-1")).result());
    assertEquals(6L, log.locate(GtidState.parse("0-1-3,1-2-2")).result());
  }

  @Test
  void locateRefusesPurgedDivergedAndUnknownPositionsSayingWhich() {
    InMemoryTransactionLog log = logOf("0-1-1", "0-1-2", "0-1-3", "0-1-4");
    log.purgeBefore(3);
    assertEquals(new RetainedRange(3, 4, GtidState.parse("0-1-2"), GtidState.parse("0-1-4")), log.retained());
    assertEquals(3L, log.locate(GtidState.parse("0-1-2")).result());
    assertEquals(Reason.NOT_RETAINED, failure(log, "0-1-1"));
    assertEquals(Reason.NOT_RETAINED, failure(log, ""));
    assertEquals(Reason.DIVERGED, failure(log, "0-1-9"));
    assertEquals(Reason.DIVERGED, failure(log, "0-7-3"));
    assertEquals(Reason.UNKNOWN_DOMAIN, failure(log, "0-1-4,5-1-1"));
    assertTrue(log.locate(GtidState.parse("0-1-9")).cause().getMessage().contains("diverged"));
  }

  @Test
  void subscribersSeeEveryLaterAppendUntilTheyClose() throws Exception {
    InMemoryTransactionLog log = logOf("0-1-1");
    List<Long> seen = new ArrayList<>();
    AutoCloseable sub = log.subscribe(e -> seen.add(e.sequence()));
    log.append(withGtid(gen.next(), "0-1-2"));
    log.append(withGtid(gen.next(), "0-1-3"));
    sub.close();
    log.append(withGtid(gen.next(), "0-1-4"));
    assertEquals(List.of(2L, 3L), seen);
  }
}
