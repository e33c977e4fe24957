package io.paxosql.node.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.binlog.log.GtidAt;
import io.paxosql.binlog.log.LogEntry;
import io.paxosql.binlog.log.LogPiece;
import io.paxosql.binlog.log.LogReader;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
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

    List<GtidAt> seen = new ArrayList<>();
    node2.subscribe(seen::add);
    node1.append(tx(1, 3));
    assertEquals(List.of(3L), seen.stream().map(GtidAt::sequence).toList());

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

  private static Transaction big(long server, long seq, int bytes, long seed) {
    Random random = new Random(seed);
    List<byte[]> events = new ArrayList<>();
    for (int left = bytes; left > 0; ) {
      byte[] e = new byte[Math.min(left, 1 + random.nextInt(9000))];
      random.nextBytes(e);
      events.add(e);
      left -= e.length;
    }
    return new Transaction(new Gtid(0, server, seq), events, "mysql-bin.000002", 4 + seq);
  }

  private static void assertSameTransaction(Transaction want, Transaction got) {
    assertEquals(want.gtid(), got.gtid());
    assertEquals(want.sourceFile(), got.sourceFile());
    assertEquals(want.sourceEndPos(), got.sourceEndPos());
    assertEquals(want.events().size(), got.events().size());
    for (int i = 0; i < want.events().size(); i++) {
      assertArrayEquals(want.events().get(i), got.events().get(i), "event " + i);
    }
  }

  @Test
  void aTransactionBiggerThanOneProposalIsSplitAndEveryReaderGetsItWhole() {
    InMemoryChosenLog small = new InMemoryChosenLog(4096);
    ChainedLog master = new ChainedLog(small, 1, r -> { });
    ChainedLog follower = new ChainedLog(small, 2, r -> { });
    master.start();
    follower.start();
    List<GtidAt> seen = new ArrayList<>();
    follower.subscribe(seen::add);
    assertTrue(master.beginEpoch(1).succeeded());
    Transaction t = big(1, 1, 60_000, 1);
    small.hold();
    Future<LogEntry> append = master.append(t);
    List<byte[]> parts = new ArrayList<>(small.held());
    assertTrue(parts.size() >= 15, parts.size() + " parts");
    parts.forEach(b -> assertTrue(b.length <= 4096, b.length + " bytes proposed"));
    small.releaseInOrder(IntStream.range(0, parts.size() - 1).boxed().toList());
    assertTrue(!append.isComplete(), "not complete before its last part is chosen");
    assertEquals(0, follower.state().lastSequence());
    assertTrue(seen.isEmpty(), "readers see nothing of a transaction still open");
    small.chooseForeign(parts.get(parts.size() - 1));

    assertEquals(1, append.result().sequence());
    assertEquals(1, seen.size());
    assertEquals(t.gtid(), seen.get(0).gtid());
    assertEquals(1, seen.get(0).sequence());
    Transaction after = tx(1, 2);
    assertEquals(2, master.append(after).result().sequence());
    List<LogEntry> read = follower.read(1, 10).result();
    assertEquals(2, read.size());
    assertSameTransaction(t, read.get(0).transaction());
    assertSameTransaction(after, read.get(1).transaction());
    assertEquals(master.state(), follower.state());
    assertEquals(2L, follower.locate(GtidState.parse("0-1-1")).result());

    // A node that starts later derives the same chain from the log.
    ChainedLog late = new ChainedLog(small, 3, r -> { });
    late.start();
    assertEquals(master.state(), late.state());
    assertSameTransaction(t, late.read(1, 1).result().get(0).transaction());

    // A binlog server's reader gets the split transaction in pieces of bounded size, its events whole and in order.
    LogReader reader = new ChainStreamReader(small, follower, 1, 10, 8192);
    List<LogPiece> pieces = new ArrayList<>();
    for (int reads = 0; reads < 1000; reads++) {
      List<LogPiece> got = reader.next().result();
      if (got.isEmpty()) {
        break;
      }
      pieces.addAll(got);
    }
    List<byte[]> streamed = new ArrayList<>();
    pieces.stream().filter(p -> p.sequence() == 1).forEach(p -> streamed.addAll(p.events()));
    assertSameTransaction(t, new Transaction(t.gtid(), streamed, t.sourceFile(), t.sourceEndPos()));
    assertEquals(List.of(1L, 2L), pieces.stream().filter(LogPiece::last).map(LogPiece::sequence).toList());
    assertTrue(pieces.stream().filter(p -> p.sequence() == 1).count() >= 5, "the 60 KB transaction came in pieces"
        + " of about 8 KB: " + pieces.size() + " pieces");
    pieces.forEach(p -> assertTrue(p.sizeBytes() <= 8192 + 9000 + 4096, p.sizeBytes() + " bytes in one piece"));
    assertSameTransaction(after, new Transaction(after.gtid(), pieces.get(pieces.size() - 1).events(),
        after.sourceFile(), after.sourceEndPos()));
  }

  @Test
  void aMasterChangeChosenBetweenPartsRejectsTheTransactionOnEveryNode() {
    InMemoryChosenLog small = new InMemoryChosenLog(4096);
    List<String> told = new ArrayList<>();
    ChainedLog master = new ChainedLog(small, 1, told::add);
    ChainedLog next = new ChainedLog(small, 2, r -> { });
    master.start();
    next.start();
    master.beginEpoch(1);
    master.append(tx(1, 1)).result();
    small.hold();
    Future<LogEntry> cut = master.append(big(1, 2, 20_000, 2));
    int parts = small.held().size();
    Future<Void> epoch2 = next.beginEpoch(2);
    List<Integer> order = new ArrayList<>(List.of(0, 1, parts));
    IntStream.range(2, parts).forEach(order::add);
    small.releaseInOrder(order);   // part 0, part 1, node 2's master change, the remaining parts

    assertTrue(epoch2.succeeded());
    assertTrue(cut.failed());
    assertTrue(cut.cause().getMessage().contains("cut off after part 1"), cut.cause().getMessage());
    assertEquals(1, told.size(), "the deposed master is told, so it fences: " + told);
    assertEquals(master.state(), next.state());
    assertEquals(1, next.state().lastSequence());
    assertEquals(null, next.state().open());
    assertEquals(2, next.append(tx(2, 2)).result().sequence());
    assertEquals(List.of(1L, 2L), master.read(1, 10).result().stream().map(LogEntry::sequence).toList());
  }

  @Test
  void aLostPartProposalFailsTheAppend() {
    InMemoryChosenLog small = new InMemoryChosenLog(4096);
    ChainedLog master = new ChainedLog(small, 1, r -> { });
    master.start();
    master.beginEpoch(1);
    small.failProposals(true);
    Future<LogEntry> lost = master.append(big(1, 1, 20_000, 3));
    assertTrue(lost.failed());
    assertTrue(lost.cause().getMessage().contains("not leader"), lost.cause().getMessage());
    assertEquals(0, master.state().lastSequence());
  }

  /**
   * Three nodes on one log; node 2 takes over at a random point of node 1's stream of small and split
   * transactions. Whatever the point, every node holds the same chain, each transaction whose append
   * completed is in it whole, and none whose append failed is.
   */
  @Test
  void aTakeoverAnywhereInAStreamOfSplitTransactionsLeavesOneChainEverywhere() {
    for (long seed = 1; seed <= 40; seed++) {
      Random random = new Random(seed);
      InMemoryChosenLog small = new InMemoryChosenLog(2048);
      ChainedLog[] nodes = new ChainedLog[3];
      for (int i = 0; i < 3; i++) {
        nodes[i] = new ChainedLog(small, i + 1, r -> { });
        nodes[i].start();
      }
      nodes[0].beginEpoch(1);
      small.hold();
      List<Transaction> sent = new ArrayList<>();
      List<Future<LogEntry>> appends = new ArrayList<>();
      for (int i = 1; i <= 6; i++) {
        Transaction t = random.nextBoolean() ? tx(1, i) : big(1, i, 1000 + random.nextInt(8000), seed * 10 + i);
        sent.add(t);
        appends.add(nodes[0].append(t));
      }
      int held = small.held().size();
      nodes[1].beginEpoch(2);
      List<Integer> order = new ArrayList<>(IntStream.range(0, held).boxed().toList());
      order.add(random.nextInt(held + 1), held);
      small.releaseInOrder(order);

      String tag = "seed " + seed;
      assertEquals(nodes[0].state(), nodes[1].state(), tag);
      assertEquals(nodes[0].state(), nodes[2].state(), tag);
      List<LogEntry> chain = nodes[2].read(1, 100).result();
      assertEquals(nodes[2].state().lastSequence(), chain.size(), tag);
      for (int i = 0; i < sent.size(); i++) {
        Future<LogEntry> a = appends.get(i);
        assertTrue(a.isComplete(), tag + ": append " + i + " undecided");
        if (a.succeeded()) {
          assertSameTransaction(sent.get(i), chain.get(i).transaction());
        } else {
          assertTrue(chain.size() <= i, tag + ": failed append " + i + " is in the chain");
        }
      }
      for (int n = 0; n < 2; n++) {
        List<LogEntry> other = nodes[n].read(1, 100).result();
        assertEquals(chain.size(), other.size(), tag);
        for (int i = 0; i < chain.size(); i++) {
          assertSameTransaction(chain.get(i).transaction(), other.get(i).transaction());
        }
      }
    }
  }

  @Test
  void readsOfBigTransactionsStopAtAByteBudgetButNeverReturnNothingBeforeTheEnd() {
    InMemoryChosenLog paxosLog = new InMemoryChosenLog(1 << 20);
    ChainedLog master = new ChainedLog(paxosLog, 1, r -> { });
    master.start();
    master.beginEpoch(1);
    int each = 6 << 20;
    for (int i = 1; i <= 4; i++) {
      master.append(new Transaction(new Gtid(0, 1, i), List.of(new byte[each]), "f", i)).result();
    }
    List<LogEntry> first = master.read(1, 64).result();
    assertTrue(first.size() >= 1 && first.size() < 4, first.size() + " entries of " + each + " bytes");
    assertTrue(first.size() * (long) each <= ChainedLog.READ_BUDGET_BYTES + each);
    long next = 1 + first.size();
    int total = first.size();
    while (true) {
      List<LogEntry> more = master.read(next, 64).result();
      if (more.isEmpty()) {
        break;
      }
      assertEquals(next, more.get(0).sequence());
      next += more.size();
      total += more.size();
    }
    assertEquals(4, total);
  }

  /** A big transaction's parts go out a window at a time: the next ones only as earlier ones are chosen. */
  @Test
  void partsAreProposedAWindowAtATimeInOrder() {
    InMemoryChosenLog paxosLog = new InMemoryChosenLog(1 << 20);
    ChainedLog master = new ChainedLog(paxosLog, 1, r -> { });
    master.start();
    master.beginEpoch(1);
    paxosLog.holdFutures();
    Future<LogEntry> big = master.append(big(1, 1, 20 << 20, 5));
    Future<LogEntry> after = master.append(tx(1, 2));
    int window = paxosLog.held().size();
    assertTrue(window >= 1 && window * (1L << 20) <= ChainedLog.IN_FLIGHT_BYTES + (1 << 20), window + " in flight");
    paxosLog.release();
    assertEquals(1, big.result().sequence());
    assertEquals(2, after.result().sequence(), "the small transaction waited behind the big one's parts");
  }
}
