package io.paxosql.binlog.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.SyntheticBinlog;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.TransactionParser;
import io.paxosql.binlog.event.BinlogEvent;
import io.paxosql.binlog.event.EventCodec;
import io.paxosql.binlog.event.EventType;
import io.paxosql.binlog.event.GtidListEvent;
import io.paxosql.binlog.event.RotateEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DumpStreamTest {

  @Test
  void positionsAreContiguousChecksumsValidAndBodiesUntouched() {
    SyntheticBinlog gen = new SyntheticBinlog(new Random(11));
    DumpStream d = new DumpStream("paxosql-bin", 9, 1 << 30, 1_700_000_000L, GtidState.parse("0-1-0"));
    List<byte[]> out = new ArrayList<>(d.start());
    List<Transaction> txs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Transaction t = gen.next();
      txs.add(t);
      out.addAll(d.transaction(t));
    }
    BinlogEvent rotate = EventCodec.decode(out.get(0), true);
    assertEquals(new RotateEvent(4, "paxosql-bin.000001"), rotate.body());
    assertTrue(rotate.header().artificial());
    long pos = 4;
    for (int i = 1; i < out.size(); i++) {
      BinlogEvent e = EventCodec.decode(out.get(i), true);
      pos += out.get(i).length;
      assertEquals(pos, e.header().logPos(), "event " + i);
    }
    assertEquals(pos, d.position());
    assertEquals(EventType.FORMAT_DESCRIPTION, EventCodec.decode(out.get(1), true).type());
    assertEquals(GtidState.parse("0-1-0"),
        GtidState.of(((GtidListEvent) EventCodec.decode(out.get(2), true).body()).gtids()));
    TransactionParser p = new TransactionParser(true, "");
    List<Transaction> back = new ArrayList<>();
    out.forEach(e -> p.accept(e).ifPresent(back::add));
    assertEquals(txs.size(), back.size());
    for (int i = 0; i < txs.size(); i++) {
      assertEquals(txs.get(i).gtid(), back.get(i).gtid());
      for (int j = 0; j < txs.get(i).events().size(); j++) {
        byte[] a = txs.get(i).events().get(j);
        byte[] b = back.get(i).events().get(j);
        assertArrayEquals(Arrays.copyOfRange(a, 19, a.length - 4),
            Arrays.copyOfRange(b, 19, b.length - 4));
      }
    }
    BinlogEvent hb = EventCodec.decode(d.heartbeat(), true);
    assertEquals(EventType.HEARTBEAT, hb.type());
    assertEquals(pos, hb.header().logPos());
  }

  @Test
  void rotatesToTheNextFileBeforePositionsGetLarge() {
    SyntheticBinlog gen = new SyntheticBinlog(new Random(12));
    DumpStream d = new DumpStream("paxosql-bin", 9, 2000, 1_700_000_000L, GtidState.EMPTY);
    d.start();
    List<byte[]> all = new ArrayList<>();
    while (d.fileName().endsWith("000001")) {
      all.addAll(d.transaction(gen.next()));
    }
    int rot = all.size() - 4;
    assertEquals(new RotateEvent(4, "paxosql-bin.000002"), EventCodec.decode(all.get(rot), true).body());
    assertEquals(EventType.FORMAT_DESCRIPTION, EventCodec.decode(all.get(rot + 1), true).type());
    assertTrue(d.position() < 400);
  }
}
