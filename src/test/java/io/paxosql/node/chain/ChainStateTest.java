package io.paxosql.node.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;
import io.paxosql.node.chain.ChainRecord.TransactionPart;
import io.paxosql.node.chain.ChainState.Verdict;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
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

  private static List<TransactionPart> parts(long epoch, long sequence, Gtid prev, Transaction t, int count) {
    List<TransactionPart> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new TransactionPart(epoch, sequence, prev, t.gtid(), i, count, new byte[] {(byte) i}));
    }
    return out;
  }

  @Test
  void aSplitTransactionIsAcceptedOnlyWhenItsLastPartFollowsTheOthers() {
    ChainState s = ChainState.EMPTY.apply(new MasterChange(1, 1)).next();
    Transaction t1 = tx(1, 1);
    List<TransactionPart> p = parts(1, 1, null, t1, 3);
    ChainState.Step step = s.apply(p.get(0));
    assertEquals(Verdict.PARTIAL, step.verdict());
    assertEquals(0, step.next().lastSequence(), "nothing is in the chain before the last part");
    step = step.next().apply(p.get(1));
    assertEquals(Verdict.PARTIAL, step.verdict());
    step = step.next().apply(p.get(2));
    assertEquals(Verdict.ACCEPTED, step.verdict());
    assertEquals(1, step.next().lastSequence());
    assertEquals(t1.gtid(), step.next().lastGtid());
    assertEquals(null, step.next().open());
    s = step.next();
    assertEquals(Verdict.DUPLICATE, s.apply(p.get(2)).verdict(), "a resent part of an accepted transaction");

    Transaction t2 = tx(1, 2);
    List<TransactionPart> q = parts(1, 2, t1.gtid(), t2, 2);
    assertEquals(Verdict.REJECTED, s.apply(q.get(1)).verdict(), "a part without the parts before it");
    ChainState open = s.apply(q.get(0)).next();
    assertEquals(Verdict.PARTIAL, open.apply(q.get(0)).verdict(), "part 0 again restarts the transaction");
    assertEquals(t2.gtid(), open.apply(q.get(0)).abandoned(), "...after cutting off the first attempt");
  }

  @Test
  void aMasterChangeOrAnyRecordBetweenPartsRejectsTheWholeTransaction() {
    ChainState s = ChainState.EMPTY.apply(new MasterChange(1, 1)).next();
    Transaction t1 = tx(1, 1);
    List<TransactionPart> p = parts(1, 1, null, t1, 3);
    ChainState afterFirst = s.apply(p.get(0)).next();

    ChainState.Step change = afterFirst.apply(new MasterChange(2, 2));
    assertEquals(Verdict.ACCEPTED, change.verdict(), "the master change itself stands");
    assertEquals(t1.gtid(), change.abandoned());
    assertTrue(change.abandonReason().contains("cut off after part 0 of 3"), change.abandonReason());
    assertEquals(Verdict.REJECTED, change.next().apply(p.get(1)).verdict(), "the late parts are refused");
    assertEquals(0, change.next().lastSequence());

    // A stale master change, a foreign transaction, another transaction's part: each cuts it off too.
    ChainRecord[] between = {new MasterChange(1, 3), chained(1, 1, null, tx(2, 9)),
        parts(1, 1, null, tx(3, 9), 2).get(0), new TransactionPart(1, 1, null, t1.gtid(), 2, 3, new byte[0])};
    for (ChainRecord r : between) {
      ChainState.Step step = afterFirst.apply(r);
      assertEquals(t1.gtid(), step.abandoned(), r.toString());
      ChainState.Step rest = step.next().apply(p.get(1));
      assertTrue(rest.verdict() == Verdict.REJECTED || rest.verdict() == Verdict.DUPLICATE, r + " then " + rest);
      assertTrue(!t1.gtid().equals(step.next().lastGtid()), r.toString());
    }
  }

  /**
   * Random interleavings of several proposers' transactions (split into 1..4 parts) and master
   * changes, each proposer working from a view that may be stale: whatever the chosen order, every
   * node reaches the same verdicts; the accepted transactions form one gap-free chain; a split one is
   * accepted only with all its parts chosen back to back under one epoch, and an open one is decided.
   */
  @Test
  void interleavedPartsAndMasterChangesKeepOneChainOnEveryNode() {
    int acceptedSplit = 0;
    int abandoned = 0;
    for (long seed = 1; seed <= 200; seed++) {
      Random random = new Random(seed);
      List<byte[]> chosen = new ArrayList<>();
      ChainState truth = ChainState.EMPTY;
      List<ArrayDeque<ChainRecord>> streams = new ArrayList<>();
      long nextSeqNo = 1;
      for (int i = 0; i < 400; i++) {
        int node = 1 + random.nextInt(3);
        ChainRecord next;
        if (random.nextInt(20) == 0) {
          next = new MasterChange(truth.epoch() + (random.nextInt(5) == 0 ? 0 : 1), node);
        } else if (streams.isEmpty() || (streams.size() < 3 && random.nextInt(4) == 0)) {
          // A proposer starts a transaction from its view of the chain (the open one counts as taken).
          long epoch = random.nextInt(8) == 0 ? Math.max(0, truth.epoch() - 1) : truth.epoch();
          boolean afterOpen = truth.open() != null && random.nextBoolean();
          long seq = afterOpen ? truth.open().sequence() + 1 : truth.lastSequence() + 1;
          Gtid prev = afterOpen ? truth.open().gtid() : truth.lastGtid();
          Transaction t = tx(node, nextSeqNo++);
          int count = 1 + random.nextInt(4);
          ArrayDeque<ChainRecord> stream = new ArrayDeque<>();
          if (count == 1) {
            stream.add(chained(epoch, seq, prev, t));
          } else {
            stream.addAll(parts(epoch, seq, prev, t, count));
          }
          streams.add(stream);
          continue;
        } else {
          // Mostly the newest proposer's next record; sometimes another's, interleaving them.
          int which = random.nextInt(5) == 0 ? random.nextInt(streams.size()) : streams.size() - 1;
          next = streams.get(which).poll();
          if (streams.get(which).isEmpty()) {
            streams.remove(which);
          }
        }
        chosen.add(ChainRecordCodec.encode(next));
        truth = truth.apply(next).next();
      }

      List<List<String>> verdictsPerNode = new ArrayList<>();
      for (int n = 0; n < 3; n++) {
        List<String> verdicts = new ArrayList<>();
        ChainState s = ChainState.EMPTY;
        long expectedSeq = 1;
        Gtid lastAccepted = null;
        List<ChainRecord> decoded = new ArrayList<>();
        for (byte[] bytes : chosen) {
          ChainRecord r = ChainRecordCodec.decode(bytes);
          decoded.add(r);
          ChainState.Step step = s.apply(r);
          verdicts.add(step.verdict() + " " + step.abandoned());
          if (step.abandoned() != null) {
            abandoned++;
            assertEquals(step.abandoned(), s.open().gtid(), "seed " + seed);
            assertTrue(!step.abandoned().equals(step.next().lastGtid()), "seed " + seed);
          }
          if (step.verdict() == Verdict.ACCEPTED && !(r instanceof MasterChange)) {
            long seq = r instanceof TransactionPart p ? p.sequence() : ((ChainedTransaction) r).sequence();
            Gtid prev = r instanceof TransactionPart p ? p.previous() : ((ChainedTransaction) r).previous();
            long epoch = r instanceof TransactionPart p ? p.epoch() : ((ChainedTransaction) r).epoch();
            assertEquals(expectedSeq++, seq, "seed " + seed);
            assertEquals(lastAccepted, prev, "seed " + seed);
            assertEquals(s.epoch(), epoch, "seed " + seed);
            if (r instanceof TransactionPart last) {
              acceptedSplit++;
              assertEquals(last.count() - 1, last.index(), "seed " + seed);
              for (int k = 0; k < last.count(); k++) {
                TransactionPart part = (TransactionPart) decoded.get(decoded.size() - last.count() + k);
                assertEquals(k, part.index(), "seed " + seed + ": parts back to back");
                assertEquals(last.gtid(), part.gtid(), "seed " + seed);
                assertEquals(epoch, part.epoch(), "seed " + seed);
              }
            }
            lastAccepted = step.next().lastGtid();
          } else if (step.verdict() == Verdict.REJECTED || step.verdict() == Verdict.DUPLICATE) {
            assertEquals(s.open() == null ? s : new ChainState(s.epoch(), s.masterNode(), s.lastSequence(),
                s.lastGtid(), s.gtids(), null), step.next(), "a refused record changes nothing; seed " + seed);
          }
          s = step.next();
        }
        assertEquals(truth, s, "seed " + seed);
        verdictsPerNode.add(verdicts);
      }
      assertEquals(verdictsPerNode.get(0), verdictsPerNode.get(1), "seed " + seed);
      assertEquals(verdictsPerNode.get(0), verdictsPerNode.get(2), "seed " + seed);
    }
    assertTrue(acceptedSplit > 100 && abandoned > 100, "the generator must exercise both: " + acceptedSplit
        + " split accepted, " + abandoned + " cut off");
  }

  @Test
  void aSplitTransactionRoundTripsThroughItsParts() {
    Random random = new Random(7);
    List<byte[]> events = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      byte[] e = new byte[random.nextInt(3000)];
      random.nextBytes(e);
      events.add(e);
    }
    Transaction big = new Transaction(new Gtid(3, 4097, 77), events, "mysql-bin.000009", 123_456_789L);
    List<byte[]> records = new ArrayList<>();
    ChainRecordCodec.encodeTransaction(4, 10, new Gtid(3, 4097, 76), big, 8192).forEachRemaining(records::add);
    assertTrue(records.size() > 5, records.size() + " records");
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      assertTrue(records.get(i).length <= 8192, "record " + i + " has " + records.get(i).length + " bytes");
      TransactionPart p = (TransactionPart) ChainRecordCodec.decode(records.get(i));
      assertEquals(i, p.index());
      assertEquals(records.size(), p.count());
      assertEquals(4, p.epoch());
      assertEquals(10, p.sequence());
      assertEquals(new Gtid(3, 4097, 76), p.previous());
      assertEquals(big.gtid(), p.gtid());
      assertArrayEquals(records.get(i), ChainRecordCodec.encode(p));
      chunks.add(p.chunk());
    }
    Transaction back = ChainRecordCodec.decodeBody(big.gtid(), chunks);
    // Decoded as the chunks come, the events are the same, and each comes out once whole.
    TransactionBodyDecoder streamed = new TransactionBodyDecoder(big.gtid());
    List<byte[]> streamedEvents = new ArrayList<>();
    for (byte[] c : chunks) {
      assertTrue(!streamed.complete(), "complete only after the last chunk");
      streamedEvents.addAll(streamed.feed(c));
    }
    streamed.requireComplete();
    assertEquals(events.size(), streamedEvents.size());
    for (int i = 0; i < events.size(); i++) {
      assertArrayEquals(events.get(i), streamedEvents.get(i));
    }
    TransactionBodyDecoder shortBody = new TransactionBodyDecoder(big.gtid());
    chunks.subList(0, chunks.size() - 1).forEach(shortBody::feed);
    assertThrows(IllegalArgumentException.class, shortBody::requireComplete, "a body missing its last chunk");
    TransactionBodyDecoder longBody = new TransactionBodyDecoder(big.gtid());
    chunks.forEach(longBody::feed);
    assertThrows(IllegalArgumentException.class, () -> longBody.feed(new byte[] {1}), "a byte after the last event");
    assertEquals(big.gtid(), back.gtid());
    assertEquals(big.sourceFile(), back.sourceFile());
    assertEquals(big.sourceEndPos(), back.sourceEndPos());
    assertEquals(events.size(), back.events().size());
    for (int i = 0; i < events.size(); i++) {
      assertArrayEquals(events.get(i), back.events().get(i));
    }
    // Fits: one ordinary record, as before splitting existed.
    java.util.Iterator<byte[]> one = ChainRecordCodec.encodeTransaction(4, 10, null, tx(1, 1), 8192);
    assertTrue(ChainRecordCodec.decode(one.next()) instanceof ChainedTransaction);
    assertTrue(!one.hasNext(), "a transaction that fits is one record");

    // Damage: truncated parts, a missing or extra chunk, impossible part numbers, proposals too small.
    byte[] part = records.get(1);
    for (int cut = 0; cut < 80; cut++) {
      byte[] truncated = Arrays.copyOf(part, cut);
      assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.decode(truncated), "cut at " + cut);
    }
    byte[] shortened = Arrays.copyOf(part, part.length - 1);
    var e = assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.decode(shortened));
    assertTrue(e.getMessage().contains("part 1 claims"), e.getMessage());
    List<byte[]> missing = new ArrayList<>(chunks);
    missing.remove(missing.size() - 1);
    e = assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.decodeBody(big.gtid(), missing));
    assertTrue(e.getMessage().contains("end inside it") || e.getMessage().contains("claims"), e.getMessage());
    List<byte[]> extra = new ArrayList<>(chunks);
    extra.add(new byte[] {1});
    e = assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.decodeBody(big.gtid(), extra));
    assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    int countAt = part.length - chunks.get(1).length - 8;
    byte[] badCount = part.clone();
    ByteBuffer.wrap(badCount).putInt(countAt, 1);
    e = assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.decode(badCount));
    assertTrue(e.getMessage().contains("not a valid part number"), e.getMessage());
    byte[] badIndex = part.clone();
    ByteBuffer.wrap(badIndex).putInt(countAt - 4, records.size());
    e = assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.decode(badIndex));
    assertTrue(e.getMessage().contains("not a valid part number"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ChainRecordCodec.encodeTransaction(1, 1, null, big, 200));
    assertTrue(e.getMessage().contains("maxBatchBytes"), e.getMessage());
  }
}
