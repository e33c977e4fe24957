package io.paxosql.node.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.LogEntry;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainedLogTest {
  private final InMemoryChosenLog paxos = new InMemoryChosenLog();
  private final List<String> rejected1 = new ArrayList<>();
  private final ChainedLog node1 = new ChainedLog(paxos, 1, rejected1::add);
  private final ChainedLog node2 = new ChainedLog(paxos, 2, r -> { });

  private static Transaction tx(long server, long seq) {
    return new Transaction(new Gtid(0, server, seq), List.of(new byte[] {(byte) seq, 7}), "mysql-bin.000001", 500 + seq);
  }

  @Test
  void aMastersAppendsCompleteInOrderAndEveryNodeReadsThem() {
    node1.start();
    node2.start();
    assertTrue(node1.beginEpoch(1).succeeded());
    Future<LogEntry> a = node1.append(tx(1, 1));
    Future<LogEntry> b = node1.append(tx(1, 2));
    assertEquals(1, a.result().sequence());
    assertEquals(2, b.result().sequence());

    List<LogEntry> seen = new ArrayList<>();
    node2.subscribe(seen::add);
    node1.append(tx(1, 3));
    assertEquals(List.of(3L), seen.stream().map(LogEntry::sequence).toList());

    List<LogEntry> read = node2.read(2, 10).result();
    assertEquals(List.of(2L, 3L), read.stream().map(LogEntry::sequence).toList());
    assertArrayEquals(new byte[] {2, 7}, read.get(0).transaction().events().get(0));
    assertEquals(2L, node2.locate(GtidState.parse("0-1-1")).result());
    assertEquals(4L, node2.locate(GtidState.parse("0-1-3")).result());
    assertTrue(node2.locate(GtidState.parse("0-9-2")).failed(), "a GTID the chain never had");
    assertEquals(node1.state(), node2.state());
  }

  @Test
  void pipelinedAppendsCompleteOnceChosen() {
    node1.start();
    node1.beginEpoch(1);
    paxos.hold();
    Future<LogEntry> a = node1.append(tx(1, 1));
    Future<LogEntry> b = node1.append(tx(1, 2));
    assertTrue(!a.isComplete() && !b.isComplete(), "nothing completes before it is chosen");
    paxos.release();
    assertEquals(1, a.result().sequence());
    assertEquals(2, b.result().sequence());
  }

  @Test
  void aDeposedMastersLateTransactionIsRefusedEverywhereAndItIsTold() {
    node1.start();
    node2.start();
    node1.beginEpoch(1);
    node1.append(tx(1, 1));
    paxos.hold();
    Future<LogEntry> late = node1.append(tx(1, 2));
    Future<Void> epoch2 = node2.beginEpoch(2);
    paxos.releaseReversed();   // node 2's master change is chosen ahead of node 1's in-flight proposal

    assertTrue(epoch2.succeeded());
    assertTrue(late.failed());
    assertTrue(late.cause().getMessage().contains("node 2 became master at epoch 2"), late.cause().getMessage());
    assertEquals(1, rejected1.size(), "the deposed master is told, so it fences");
    assertEquals(node1.state(), node2.state());
    assertEquals(1, node2.state().lastSequence());

    LogEntry next = node2.append(tx(2, 2)).result();
    assertEquals(2, next.sequence());
    assertEquals("0-2-2", node1.state().gtids().toString());
    assertTrue(node1.append(tx(1, 3)).failed(), "node 1 no longer masters");
  }

  @Test
  void resentTransactionsAreRecognisedAndNonMastersRefuseAppends() {
    node1.start();
    assertTrue(node1.append(tx(1, 1)).failed(), "not master yet");
    node1.beginEpoch(5);
    LogEntry first = node1.append(tx(1, 1)).result();
    int chosenBefore = paxos.entries().size();
    LogEntry again = node1.append(tx(1, 1)).result();
    assertEquals(first.sequence(), again.sequence());
    assertEquals(chosenBefore, paxos.entries().size(), "a resend is not proposed twice");
    node1.endEpoch("lease lost");
    assertTrue(node1.append(tx(1, 2)).failed());
  }
}
