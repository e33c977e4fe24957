package io.paxosql.node.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;
import io.paxosql.node.chain.ChainState.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChainStateTest {
  private static Transaction tx(long server, long seq) {
    byte[] event = new byte[] {1, 2, 3, (byte) seq};
    return new Transaction(new Gtid(0, server, seq), List.of(event, new byte[] {9}), "mysql-bin.000001", 100 + seq);
  }

  private static ChainedTransaction chained(long epoch, long sequence, Gtid prev, Transaction t) {
    return new ChainedTransaction(epoch, sequence, prev, t);
  }

  @Test
  void aMasterExtendsTheChainAndADeposedOneCannot() {
    ChainState s = ChainState.EMPTY;
    s = s.apply(new MasterChange(5, 1)).next();
    Transaction t1 = tx(1, 1);
    Transaction t2 = tx(1, 2);
    ChainState.Step step = s.apply(chained(5, 1, null, t1));
    assertEquals(Verdict.ACCEPTED, step.verdict());
    s = step.next();

    // Node 2 takes over at epoch 6; node 1's pipelined transaction chosen afterwards is rejected.
    s = s.apply(new MasterChange(6, 2)).next();
    step = s.apply(chained(5, 2, t1.gtid(), t2));
    assertEquals(Verdict.REJECTED, step.verdict());
    assertTrue(step.reason().contains("epoch 5 but the master's epoch is 6"), step.reason());
    assertEquals(s, step.next());

    Transaction n2 = tx(2, 2);
    step = s.apply(chained(6, 2, t1.gtid(), n2));
    assertEquals(Verdict.ACCEPTED, step.verdict());
    assertEquals(2, step.next().lastSequence());
    assertEquals("0-2-2", step.next().gtids().toString());
  }

  @Test
  void gapsStaleEpochChangesAndResentTransactionsAreRecognised() {
    ChainState s = ChainState.EMPTY.apply(new MasterChange(1, 1)).next();
    Transaction t1 = tx(1, 1);
    s = s.apply(chained(1, 1, null, t1)).next();
    assertEquals(Verdict.REJECTED, s.apply(chained(1, 3, t1.gtid(), tx(1, 3))).verdict(), "sequence gap");
    assertEquals(Verdict.REJECTED, s.apply(chained(1, 2, new Gtid(0, 1, 7), tx(1, 2))).verdict(), "wrong predecessor");
    assertEquals(Verdict.DUPLICATE, s.apply(chained(1, 2, t1.gtid(), t1)).verdict(), "resent after a lost ACK");
    assertEquals(Verdict.REJECTED, s.apply(new MasterChange(1, 2)).verdict(), "epoch must grow");
  }

  /**
   * Random chosen orders from several would-be masters, each proposing from its own (possibly stale)
   * view: whatever the order, the accepted transactions form one gap-free chain in which every link
   * names its predecessor and belongs to the epoch current when it was chosen.
   */
  @Test
  void acceptedTransactionsAlwaysFormOneGapFreeChain() {
    for (long seed = 1; seed <= 200; seed++) {
      Random random = new Random(seed);
      List<ChainRecord> chosen = new ArrayList<>();
      ChainState truth = ChainState.EMPTY;
      long nextSeqNo = 1;
      for (int i = 0; i < 300; i++) {
        int node = 1 + random.nextInt(3);
        if (random.nextInt(12) == 0) {
          chosen.add(new MasterChange(truth.epoch() + 1 + random.nextInt(2), node));
        } else {
          // A proposer whose view may lag: stale epoch, stale predecessor, or a resend.
          long epoch = random.nextInt(6) == 0 ? Math.max(0, truth.epoch() - 1) : truth.epoch();
          long seq = truth.lastSequence() + (random.nextInt(8) == 0 ? 2 : 1);
          Gtid prev = random.nextInt(8) == 0 ? new Gtid(0, node, 999_999) : truth.lastGtid();
          Transaction t = random.nextInt(10) == 0 && truth.lastGtid() != null
              ? tx(truth.lastGtid().serverId(), truth.lastGtid().seqNo()) : tx(node, nextSeqNo++);
          chosen.add(chained(epoch, seq, prev, t));
        }
        truth = truth.apply(ChainRecordCodec.decode(ChainRecordCodec.encode(chosen.get(chosen.size() - 1)))).next();
      }
      ChainState s = ChainState.EMPTY;
      long expectedSeq = 1;
      Gtid lastAccepted = null;
      int accepted = 0;
      for (ChainRecord r : chosen) {
        ChainState.Step step = s.apply(r);
        if (step.verdict() == Verdict.ACCEPTED && r instanceof ChainedTransaction t) {
          assertEquals(expectedSeq++, t.sequence(), "seed " + seed);
          assertEquals(lastAccepted, t.previous(), "seed " + seed);
          assertEquals(s.epoch(), t.epoch(), "seed " + seed);
          lastAccepted = t.transaction().gtid();
          accepted++;
        } else if (step.verdict() != Verdict.ACCEPTED) {
          assertEquals(s, step.next(), "a refused record changes nothing; seed " + seed);
        }
        s = step.next();
      }
      assertEquals(truth, s, "seed " + seed);
      assertTrue(accepted > 0, "seed " + seed + " accepted nothing: the generator is broken");
    }
  }

  @Test
  void codecRoundTripsAndRefusesDamagedBytes() {
    ChainedTransaction t = chained(9, 42, new Gtid(0, 1, 41), tx(1, 42));
    byte[] bytes = ChainRecordCodec.encode(t);
    ChainedTransaction back = (ChainedTransaction) ChainRecordCodec.decode(bytes);
    assertEquals(t.epoch(), back.epoch());
    assertEquals(t.sequence(), back.sequence());
    assertEquals(t.previous(), back.previous());
    assertEquals(t.transaction().gtid(), back.transaction().gtid());
    assertEquals(t.transaction().sourceFile(), back.transaction().sourceFile());
    assertEquals(t.transaction().sourceEndPos(), back.transaction().sourceEndPos());
    assertEquals(t.transaction().events().size(), back.transaction().events().size());
    for (int i = 0; i < t.transaction().events().size(); i++) {
      assertArrayEquals(t.transaction().events().get(i), back.transaction().events().get(i));
    }
    assertArrayEquals(bytes, ChainRecordCodec.encode(back));
    assertEquals(new MasterChange(3, 2), ChainRecordCodec.decode(ChainRecordCodec.encode(new MasterChange(3, 2))));

    for (int cut = 0; cut < bytes.length; cut++) {
      byte[] truncated = Arrays.copyOf(bytes, cut);
      assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.decode(truncated), "cut at " + cut);
    }
    byte[] newer = bytes.clone();
    newer[0] = 2;
    var e = assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.decode(newer));
    assertTrue(e.getMessage().contains("upgrade"), e.getMessage());
  }
}
