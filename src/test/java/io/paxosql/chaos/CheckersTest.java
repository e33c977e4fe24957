package io.paxosql.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.chaos.Op.Outcome;
import io.paxosql.chaos.Txn.Mop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hand-made histories, each with one anomaly the checkers must flag, and clean ones they must pass. */
@Timeout(60)
class CheckersTest {
  private int next;

  private <T> Op<T> op(int process, long invoke, long complete, Outcome outcome, T value) {
    return new Op<>(next++, process, "n1", invoke, complete, outcome, value, null);
  }

  private static List<String> kinds(List<Anomaly> found) {
    return found.stream().map(Anomaly::kind).distinct().sorted().collect(Collectors.toList());
  }

  // ---- bank ----

  private static Map<Integer, Long> balances(long... b) {
    Map<Integer, Long> m = new TreeMap<>();
    for (int i = 0; i < b.length; i++) {
      m.put(i, b[i]);
    }
    return m;
  }

  @Test
  void bankPassesConsistentReads() {
    List<Op<BankOp>> h = List.of(op(0, 0, 5, Outcome.OK, BankOp.transfer(0, 1, 10)),
        op(1, 6, 7, Outcome.OK, BankOp.read(balances(90, 110))));
    assertEquals(List.of(), BankChecker.check(h, 2, 200));
  }

  @Test
  void bankFlagsWrongTotalAndNegativeBalance() {
    List<Op<BankOp>> h = List.of(op(1, 6, 7, Outcome.OK, BankOp.read(balances(90, 100))),
        op(1, 8, 9, Outcome.OK, BankOp.read(balances(-10, 210))),
        op(1, 10, 11, Outcome.FAIL, BankOp.read(balances(0, 0))));
    assertEquals(List.of("bank-negative-balance", "bank-wrong-total"), kinds(BankChecker.check(h, 2, 200)));
  }

  // ---- list-append ----

  private Op<Txn> txn(int process, long invoke, long complete, Outcome outcome, Mop... mops) {
    return op(process, invoke, complete, outcome, new Txn(List.of(mops)));
  }

  private Op<Txn> finalRead(int key, Integer... seen) {
    return op(-1, 1_000_000, 1_000_001, Outcome.OK, new Txn(List.of(Mop.read(key, List.of(seen)))));
  }

  @Test
  void listAppendPassesASerialHistory() {
    List<Op<Txn>> h = List.of(
        txn(0, 0, 10, Outcome.OK, Mop.append(1, 1), Mop.append(2, 2)),
        txn(1, 5, 15, Outcome.OK, Mop.read(1, List.of(1)), Mop.append(2, 3)),
        txn(2, 20, 30, Outcome.OK, Mop.read(1, List.of(1)), Mop.read(2, List.of(2, 3))),
        txn(3, 21, 40, Outcome.UNKNOWN, Mop.append(1, 4)),
        txn(4, 22, 41, Outcome.FAIL, Mop.append(1, 5)),
        finalRead(1, 1, 4), finalRead(2, 2, 3));
    assertEquals(List.of(), ListAppendChecker.check(h));
  }

  @Test
  void listAppendFlagsLostDuplicateGarbageAndAbortedValues() {
    List<Op<Txn>> h = List.of(
        txn(0, 0, 10, Outcome.OK, Mop.append(1, 1)),
        txn(0, 11, 20, Outcome.OK, Mop.append(1, 2)),
        txn(0, 21, 30, Outcome.FAIL, Mop.append(1, 3)),
        txn(1, 31, 40, Outcome.OK, Mop.read(1, List.of(1, 1))),
        txn(1, 41, 50, Outcome.OK, Mop.read(1, List.of(1, 3, 99))),
        finalRead(1, 1, 3, 99));
    List<String> k = kinds(ListAppendChecker.check(h));
    assertTrue(k.containsAll(List.of("aborted-read (G1a)", "duplicate-append", "garbage-read", "lost-append")), k.toString());
  }

  @Test
  void listAppendFlagsReorderedAppends() {
    List<Op<Txn>> h = List.of(
        txn(0, 0, 10, Outcome.OK, Mop.append(1, 1)),
        txn(1, 0, 10, Outcome.OK, Mop.append(1, 2)),
        txn(2, 20, 30, Outcome.OK, Mop.read(1, List.of(2, 1))),
        finalRead(1, 1, 2));
    assertTrue(kinds(ListAppendChecker.check(h)).contains("incompatible-order"));
  }

  @Test
  void listAppendFlagsAStaleRead() {
    List<Op<Txn>> h = List.of(
        txn(0, 0, 10, Outcome.OK, Mop.append(1, 1)),
        txn(1, 20, 30, Outcome.OK, Mop.read(1, List.of())),
        finalRead(1, 1));
    assertEquals(List.of("stale-read"), kinds(ListAppendChecker.check(h)));
  }

  @Test
  void listAppendFlagsG0() {
    // T1 appends to x then y, T2 to x then y; x says T1 < T2, y says T2 < T1.
    List<Op<Txn>> h = List.of(
        txn(0, 0, 10, Outcome.OK, Mop.append(1, 1), Mop.append(2, 2)),
        txn(1, 0, 10, Outcome.OK, Mop.append(1, 3), Mop.append(2, 4)),
        finalRead(1, 1, 3), finalRead(2, 4, 2));
    assertEquals(List.of("G0 (write cycle)"), kinds(ListAppendChecker.check(h)));
  }

  @Test
  void listAppendFlagsG1c() {
    // T1 appends x and reads y seeing T2's append; T2 appends y and reads x seeing T1's append.
    List<Op<Txn>> h = List.of(
        txn(0, 0, 10, Outcome.OK, Mop.append(1, 1), Mop.read(2, List.of(2))),
        txn(1, 0, 10, Outcome.OK, Mop.append(2, 2), Mop.read(1, List.of(1))),
        finalRead(1, 1), finalRead(2, 2));
    assertEquals(List.of("G1c (circular information flow)"), kinds(ListAppendChecker.check(h)));
  }

  @Test
  void listAppendFlagsG2WriteSkew() {
    // Each reads the other's key empty, then appends to its own: both read before the other wrote.
    List<Op<Txn>> h = List.of(
        txn(0, 0, 10, Outcome.OK, Mop.read(2, List.of()), Mop.append(1, 1)),
        txn(1, 0, 10, Outcome.OK, Mop.read(1, List.of()), Mop.append(2, 2)),
        finalRead(1, 1), finalRead(2, 2));
    assertEquals(List.of("G2 (anti-dependency cycle)"), kinds(ListAppendChecker.check(h)));
  }

  // ---- register ----

  @Test
  void registerPassesALinearizableHistory() {
    List<Op<RegOp>> h = List.of(
        op(0, 0, 10, Outcome.OK, RegOp.write(1, 1)),
        op(1, 5, 15, Outcome.OK, RegOp.read(1, null)), // concurrent with the write: may see nothing
        op(1, 20, 30, Outcome.OK, RegOp.cas(1, 1, 2)),
        op(2, 25, 100, Outcome.UNKNOWN, RegOp.write(1, 3)),
        op(0, 40, 50, Outcome.OK, RegOp.read(1, 2)),
        op(0, 60, 70, Outcome.OK, RegOp.read(1, 3)),
        op(1, 80, 90, Outcome.FAIL, RegOp.cas(1, 9, 4)));
    RegisterChecker.Result r = RegisterChecker.check(h);
    assertEquals(List.of(), r.anomalies());
    assertEquals(List.of(), r.unchecked());
  }

  @Test
  void registerFlagsAStaleRead() {
    List<Op<RegOp>> h = List.of(
        op(0, 0, 10, Outcome.OK, RegOp.write(1, 1)),
        op(0, 20, 30, Outcome.OK, RegOp.write(1, 2)),
        op(1, 40, 50, Outcome.OK, RegOp.read(1, 1)));
    assertEquals(List.of("register-not-linearizable"), kinds(RegisterChecker.check(h).anomalies()));
  }

  @Test
  void registerFlagsTwoCasesThatBothWon() {
    List<Op<RegOp>> h = List.of(
        op(0, 0, 10, Outcome.OK, RegOp.write(1, 1)),
        op(1, 20, 30, Outcome.OK, RegOp.cas(1, 1, 2)),
        op(2, 20, 30, Outcome.OK, RegOp.cas(1, 1, 3)));
    assertEquals(List.of("register-not-linearizable"), kinds(RegisterChecker.check(h).anomalies()));
  }

  @Test
  void registerFlagsAReadOfAFailedWrite() {
    List<Op<RegOp>> h = new ArrayList<>(List.of(
        op(0, 0, 10, Outcome.FAIL, RegOp.write(1, 7)),
        op(1, 20, 30, Outcome.OK, RegOp.read(1, 7))));
    assertEquals(List.of("register-not-linearizable"), kinds(RegisterChecker.check(h).anomalies()));
  }
}
