package io.paxosql.binlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.paxosql.binlog.event.Gtid;
import io.paxosql.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Property tests: each run draws its seeds from one base seed, printed in every failure message. */
class TransactionParserTest {
  private static final long BASE_SEED = Seeds.seed("paxosql.seed", 20260101L);
  private static final int RUNS = 300;

  private static List<Transaction> feed(TransactionParser p, List<byte[]> events) {
    List<Transaction> out = new ArrayList<>();
    for (byte[] e : events) {
      p.accept(e).ifPresent(out::add);
    }
    return out;
  }

  private static void assertSame(List<Transaction> expected, List<Transaction> actual, String seed) {
    assertEquals(expected.size(), actual.size(), seed);
    for (int i = 0; i < expected.size(); i++) {
      Transaction e = expected.get(i);
      Transaction a = actual.get(i);
      assertEquals(e.gtid(), a.gtid(), seed);
      assertEquals(e.sourceEndPos(), a.sourceEndPos(), seed);
      assertEquals(e.events().size(), a.events().size(), seed + " events of " + e.gtid());
      for (int j = 0; j < e.events().size(); j++) {
        assertArrayEquals(e.events().get(j), a.events().get(j), seed);
      }
    }
  }

  @Test
  void capturedStreamGroupsIntoItsSixTransactions() {
    TransactionParser p = new TransactionParser(true, "");
    List<Transaction> txs = feed(p, Captures.events());
    assertEquals(List.of("0-1-1", "0-1-2", "0-1-3", "0-1-4", "0-1-5", "0-1-6"),
        txs.stream().map(t -> t.gtid().toString()).toList());
    assertEquals(1326, txs.get(4).sourceEndPos());
    assertEquals("mysql-bin.000001", txs.get(4).sourceFile());
    assertEquals(5, txs.get(4).events().size());
    assertFalse(p.inTransaction());
  }

  @Test
  void randomStreamsWithControlEventsBetweenGroupsComeBackWhole() {
    for (int run = 0; run < RUNS; run++) {
      long seed = BASE_SEED + run;
      String tag = "seed " + seed + " (rerun with -Dpaxosql.seed=" + BASE_SEED + ")";
      Random rnd = new Random(seed);
      SyntheticBinlog gen = new SyntheticBinlog(rnd);
      List<Transaction> expected = new ArrayList<>();
      List<byte[]> stream = new ArrayList<>();
      int n = 1 + rnd.nextInt(30);
      for (int i = 0; i < n; i++) {
        while (rnd.nextInt(3) == 0) {
          stream.add(gen.heartbeat());
        }
        Transaction t = gen.next();
        expected.add(t);
        stream.addAll(t.events());
      }
      assertSame(expected, feed(new TransactionParser(true, SyntheticBinlog.FILE), stream), tag);
    }
  }

  @Test
  void bigGroupsAreSpooledToAFileAndComeBackTheSame(@TempDir Path spoolDir) throws Exception {
    for (int run = 0; run < 50; run++) {
      long seed = BASE_SEED + run;
      String tag = "seed " + seed + " (rerun with -Dpaxosql.seed=" + BASE_SEED + ")";
      Random rnd = new Random(seed);
      SyntheticBinlog gen = new SyntheticBinlog(rnd);
      List<Transaction> expected = new ArrayList<>();
      List<byte[]> stream = new ArrayList<>();
      for (int i = 0; i < 1 + rnd.nextInt(10); i++) {
        Transaction t = gen.next();
        expected.add(t);
        stream.addAll(t.events());
      }
      long spoolAbove = 50 + rnd.nextInt(400);
      List<Transaction> got = feed(new TransactionParser(true, SyntheticBinlog.FILE, spoolAbove, spoolDir), stream);
      assertSame(expected, got, tag);
      for (int i = 0; i < got.size(); i++) {
        assertEquals(expected.get(i).sizeBytes() > spoolAbove, got.get(i).events() instanceof SpooledEvents,
            tag + ": only groups past " + spoolAbove + " bytes are spooled");
        assertEquals(expected.get(i).sizeBytes(), got.get(i).sizeBytes(), tag);
      }
    }
    try (var left = Files.list(spoolDir)) {
      assertEquals(0, left.count(), "spool files are unlinked at once");
    }
    // A group cut off by a broken stream lets go of its file; a closed spool cannot be read.
    TransactionParser p = new TransactionParser(true, SyntheticBinlog.FILE, 10, spoolDir);
    Transaction t = new SyntheticBinlog(new Random(BASE_SEED)).next();
    Transaction spooled = feed(p, t.events()).get(0);
    assertTrue(spooled.events() instanceof SpooledEvents, "spooled");
    ((SpooledEvents) spooled.events()).close();
    assertThrows(java.io.UncheckedIOException.class, () -> spooled.events().get(0));
  }

  @Test
  void aTruncatedStreamNeverYieldsAPartialTransaction() {
    for (int run = 0; run < RUNS; run++) {
      long seed = BASE_SEED + run;
      String tag = "seed " + seed + " (rerun with -Dpaxosql.seed=" + BASE_SEED + ")";
      Random rnd = new Random(seed);
      SyntheticBinlog gen = new SyntheticBinlog(rnd);
      List<Transaction> all = new ArrayList<>();
      List<byte[]> stream = new ArrayList<>();
      for (int i = 0; i < 1 + rnd.nextInt(20); i++) {
        Transaction t = gen.next();
        all.add(t);
        stream.addAll(t.events());
      }
      int cut = rnd.nextInt(stream.size() + 1);
      TransactionParser p = new TransactionParser(true, SyntheticBinlog.FILE);
      List<Transaction> got = feed(p, stream.subList(0, cut));
      List<Transaction> whole = new ArrayList<>();
      int seen = 0;
      for (Transaction t : all) {
        seen += t.events().size();
        if (seen <= cut) {
          whole.add(t);
        }
      }
      assertSame(whole, got, tag + " cut at event " + cut);
      assertEquals(seen(whole) != cut, p.inTransaction(), tag);
      p.reset();
      // After the break the stream restarts at the first transaction not yet received.
      List<byte[]> rest = new ArrayList<>();
      all.subList(whole.size(), all.size()).forEach(t -> rest.addAll(t.events()));
      assertSame(all.subList(whole.size(), all.size()), feed(p, rest), tag + " resumed");
    }
  }

  private static int seen(List<Transaction> txs) {
    return txs.stream().mapToInt(t -> t.events().size()).sum();
  }

  @Test
  void interleavedGroupsAreRejectedUnlessOneFollowsTheOther() {
    for (int run = 0; run < RUNS; run++) {
      long seed = BASE_SEED + run;
      String tag = "seed " + seed + " (rerun with -Dpaxosql.seed=" + BASE_SEED + ")";
      Random rnd = new Random(seed);
      SyntheticBinlog gen = new SyntheticBinlog(rnd);
      Transaction a = gen.next();
      Transaction b = gen.next();
      List<byte[]> merged = new ArrayList<>();
      int i = 0;
      int j = 0;
      StringBuilder order = new StringBuilder();
      while (i < a.events().size() || j < b.events().size()) {
        boolean takeA = j == b.events().size() || (i < a.events().size() && rnd.nextBoolean());
        merged.add(takeA ? a.events().get(i++) : b.events().get(j++));
        order.append(takeA ? 'a' : 'b');
      }
      String o = order.toString();
      boolean sequential = o.matches("a+b+") || o.matches("b+a+");
      TransactionParser p = new TransactionParser(true, SyntheticBinlog.FILE);
      if (sequential) {
        List<Transaction> got = feed(p, merged);
        assertEquals(2, got.size(), tag + " order " + o);
      } else {
        try {
          List<Transaction> got = feed(p, merged);
          fail(tag + ": interleaving " + o + " was accepted as " + got.size() + " transactions");
        } catch (MalformedStreamException expected) {
          assertFalse(p.inTransaction(), tag);
        }
      }
    }
  }

  @Test
  void errorsNameTheEventAndTheOpenTransaction() {
    SyntheticBinlog gen = new SyntheticBinlog(new Random(1));
    Transaction a = gen.next();
    Transaction b = gen.next();
    TransactionParser p = new TransactionParser(true, SyntheticBinlog.FILE);
    p.accept(a.events().get(0));
    MalformedStreamException e = assertThrows(MalformedStreamException.class, () -> p.accept(b.events().get(0)));
    assertTrue(e.getMessage().contains("while transaction " + a.gtid() + " was still open"), e.getMessage());
    MalformedStreamException orphan = assertThrows(MalformedStreamException.class,
        () -> p.accept(a.events().get(a.events().size() - 1)));
    assertTrue(orphan.getMessage().contains("outside any transaction: expected a Gtid event"), orphan.getMessage());
  }

  @Test
  void aCorruptEventIsRejectedAndDropsThePartialGroup() {
    SyntheticBinlog gen = new SyntheticBinlog(new Random(2));
    Transaction a = gen.next();
    TransactionParser p = new TransactionParser(true, SyntheticBinlog.FILE);
    p.accept(a.events().get(0));
    byte[] bad = a.events().get(1).clone();
    bad[bad.length - 6] ^= 1;
    MalformedStreamException e = assertThrows(MalformedStreamException.class, () -> p.accept(bad));
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    assertFalse(p.inTransaction());
    Optional<Transaction> none = Optional.empty();
    assertEquals(none, p.accept(gen.heartbeat()));
    assertEquals(new Gtid(0, a.gtid().serverId(), 1), a.gtid());
  }
}
