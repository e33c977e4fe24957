package io.paxosql.binlog.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.SyntheticBinlog;
import io.paxosql.binlog.Transaction;
import io.paxosql.testing.Seeds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AckTrackerTest {
  private static final long BASE_SEED = Seeds.seed("paxosql.seed", 20260101L);

  @Test
  void acksOnlyTheConfirmedPrefixAndOnlyWhereAsked() {
    SyntheticBinlog gen = new SyntheticBinlog(new Random(3));
    Transaction a = gen.next();
    Transaction b = gen.next();
    Transaction c = gen.next();
    AckTracker t = new AckTracker(GtidState.EMPTY);
    long ta = t.received(a, true);
    long tb = t.received(b, false);
    long tc = t.received(c, true);
    assertEquals(Optional.empty(), t.confirmed(tc), "c is confirmed but a is not: no ACK");
    assertEquals(Optional.empty(), t.confirmed(tb));
    assertEquals(Optional.of(new BinlogPosition(c.sourceFile(), c.sourceEndPos())), t.confirmed(ta));
    assertEquals(GtidState.of(List.of(c.gtid())), t.confirmedState());
    assertEquals(new BinlogPosition(c.sourceFile(), c.sourceEndPos()), t.confirmedPosition());
    assertEquals(0, t.unconfirmed());
  }

  @Test
  void randomConfirmationOrdersNeverAckPastAnUnconfirmedTransaction() {
    for (int run = 0; run < 200; run++) {
      long seed = BASE_SEED + run;
      Random rnd = new Random(seed);
      SyntheticBinlog gen = new SyntheticBinlog(rnd);
      AckTracker t = new AckTracker(GtidState.EMPTY);
      List<Transaction> txs = new ArrayList<>();
      List<Long> tickets = new ArrayList<>();
      List<Boolean> needs = new ArrayList<>();
      for (int i = 0; i < 1 + rnd.nextInt(20); i++) {
        Transaction tx = gen.next();
        boolean need = rnd.nextBoolean();
        txs.add(tx);
        needs.add(need);
        tickets.add(t.received(tx, need));
      }
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < txs.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, rnd);
      boolean[] done = new boolean[txs.size()];
      long lastAcked = -1;
      for (int i : order) {
        done[i] = true;
        Optional<BinlogPosition> ack = t.confirmed(tickets.get(i));
        int prefix = 0;
        while (prefix < done.length && done[prefix]) {
          prefix++;
        }
        if (ack.isPresent()) {
          long pos = ack.get().position();
          int idx = -1;
          for (int k = 0; k < txs.size(); k++) {
            if (txs.get(k).sourceEndPos() == pos) {
              idx = k;
            }
          }
          String tag = "seed " + seed;
          assertEquals(true, idx < prefix, tag + ": ACK past the confirmed prefix");
          assertEquals(true, needs.get(idx), tag + ": ACK at a transaction that did not ask");
          assertEquals(true, pos > lastAcked, tag + ": ACK went backwards");
          lastAcked = pos;
        }
      }
      assertEquals(0, t.unconfirmed());
    }
  }
}
