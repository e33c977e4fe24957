package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.log.LogConfig;
import io.paxosql.log.PaxosLog;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Ready;
import io.paxosql.paxos.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several Readys with a real log at once behind a big value: taken while the first one's sync is held,
 * confirmed strictly in the order handed over, a Ready with nothing to write included, and no more taken
 * once {@link ReadysWithLog#WRITES} of them have records to write; small values {@link
 * ReadysWithLog#SMALL_PIPELINE} at a time. The test thread plays the node's context: it runs
 * the completions the log hands back.
 */
@Timeout(60)
class ReadysWithLogTest {
  private static final Ballot BALLOT = new Ballot(1, 1);

  @TempDir
  Path dir;

  private static Ready accepting(long instance, int bytes) {
    byte[] b = new byte[bytes];
    b[0] = (byte) instance;
    Value v = new Value(BALLOT, List.of(new Entry.Data(instance, b)));
    return new Ready(List.of(new Durable.Accepted(instance, BALLOT, v)), List.of(), List.of(), null, List.of(),
        List.of(), null);
  }

  private static Ready nothingToWrite() {
    return new Ready(List.of(), List.of(), List.of(), null, List.of(), List.of(), null);
  }

  @Test
  void readysTakenWhileASyncIsHeldAreConfirmedAfterItInOrderAndBoundedByWrites() throws Exception {
    HeldSyncDisk disk = new HeldSyncDisk(a -> a.instance() == 1);
    disk.held = new CountDownLatch(1);
    LinkedBlockingQueue<Runnable> context = new LinkedBlockingQueue<>();
    try (PaxosLog log = PaxosLog.open(LogConfig.defaults(dir).withSyncFault(disk), context::add, t -> { })) {
      try {
        check(log, disk, context);
      } finally {
        disk.release(); // else a failed check leaves the writer holding a sync while the log closes
      }
    }
  }

  private static void check(PaxosLog log, HeldSyncDisk disk, LinkedBlockingQueue<Runnable> context)
      throws InterruptedException {
    ReadysWithLog withLog = new ReadysWithLog(log, (bytes, nanos) -> { });
    List<String> durable = new ArrayList<>();
    assertEquals(1, withLog.allowedUnconfirmed(), "nothing with the log: one Ready may be taken");

    assertTrue(withLog.persist(accepting(1, (int) ReadysWithLog.BIG_BYTES), () -> durable.add("1")));
    assertEquals(2, withLog.allowedUnconfirmed(), "behind a big value a second Ready may be taken while it syncs");
    assertTrue(withLog.persist(nothingToWrite(), () -> durable.add("empty")),
        "a Ready with nothing to write behind one in flight is confirmed after it, not at once");
    for (long i = 2; i <= ReadysWithLog.WRITES; i++) {
      long instance = i;
      assertTrue(withLog.persist(accepting(i, 1), () -> durable.add(String.valueOf(instance))));
    }
    assertEquals(ReadysWithLog.WRITES + 1, withLog.inFlight());
    assertEquals(withLog.inFlight(), withLog.allowedUnconfirmed(),
        WRITES_FULL + ": the core must hand out no further Ready");

    Runnable early = context.poll(300, TimeUnit.MILLISECONDS);
    assertEquals(null, early, "the first Ready's sync is held, so nothing may be confirmed yet");
    assertEquals(1, disk.heldSyncs.get());
    disk.held.countDown();
    while (durable.size() < ReadysWithLog.WRITES + 1) {
      Runnable r = context.poll(30, TimeUnit.SECONDS);
      assertTrue(r != null, "timed out waiting for the log to confirm the Readys; confirmed so far " + durable);
      r.run();
    }
    List<String> handedOver = new ArrayList<>(List.of("1", "empty"));
    for (long i = 2; i <= ReadysWithLog.WRITES; i++) {
      handedOver.add(String.valueOf(i));
    }
    assertEquals(handedOver, durable, "confirmed in the order handed over");
    assertEquals(0, withLog.inFlight());
    assertEquals(1, withLog.allowedUnconfirmed());
    assertFalse(withLog.persist(nothingToWrite(), () -> durable.add("never")),
        "nothing to write and nothing with the log: durable at once, the caller completes it");
    assertTrue(withLog.persist(accepting(ReadysWithLog.WRITES + 1, 1), () -> durable.add("small")));
    assertEquals(ReadysWithLog.SMALL_PIPELINE > 1 ? 2 : 1, withLog.allowedUnconfirmed(),
        "small values: at most SMALL_PIPELINE Readys with the log");
  }

  private static final String WRITES_FULL = ReadysWithLog.WRITES + " Readys with records to write are with the log";
}
