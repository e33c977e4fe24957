package io.paxosql.node.replog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.log.LogConfig;
import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Value;
import io.paxosql.transport.MessageCodec;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the followers' readers get back from {@link ChosenEntryReader}, over a real log: the newest durable
 * values from memory (the disk holds only part of them here, so a read from the disk would come back short),
 * the disk and then memory without a gap, runs of no-ops read past, and what memory holds bounded by
 * {@link ChosenEntryReader#RECENT_BYTES} beyond values whose Chosen records are not durable yet.
 */
@Timeout(60)
class ChosenEntryReaderTest {
  private static final Ballot BALLOT = new Ballot(1, 1);

  @TempDir
  Path dir;

  private Vertx vertx;
  private Context context;
  private PaxosLog log;
  private final AtomicLong durableBelow = new AtomicLong();
  private ChosenEntryReader reader;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    log = PaxosLog.open(LogConfig.defaults(dir), r -> context.runOnContext(v -> r.run()), t -> { });
    reader = new ChosenEntryReader(log, context, durableBelow::get);
  }

  @AfterEach
  void close() throws Exception {
    log.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Value data(long instance, int bytes) {
    byte[] b = new byte[bytes];
    b[0] = (byte) instance;
    return new Value(BALLOT, List.of(new Entry.Data(instance, b)));
  }

  /** Writes the Chosen records of {@code values} (from instance {@code first}) and waits until they are durable. */
  private void writeChosen(long first, List<Value> values) throws Exception {
    List<LogRecord> records = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      records.add(new LogRecord.Chosen(first + i, MessageCodec.valueBytes(values.get(i))));
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    log.persist(records, () -> done.complete(null));
    done.get(10, TimeUnit.SECONDS);
  }

  private List<ChosenValue> chosen(long first, List<Value> values) {
    List<ChosenValue> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      out.add(new ChosenValue(first + i, values.get(i)));
    }
    return out;
  }

  /** Hands the reader values as the driver does, on the node's context. */
  private void deliverDurable(List<ChosenValue> values, long below) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      durableBelow.set(below);
      reader.deliveredDurable(values, below);
      done.complete(null);
    });
    done.get(10, TimeUnit.SECONDS);
  }

  private void deliverEarly(List<ChosenValue> values) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      reader.deliveredEarly(values);
      done.complete(null);
    });
    done.get(10, TimeUnit.SECONDS);
  }

  private List<Long> read(long from, int max) throws Exception {
    List<ChosenEntry> got = reader.read(new LogPosition(from, 0), max, 16 << 20).toCompletionStage()
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    return got.stream().map(e -> e.position().instance()).toList();
  }

  private int held() throws Exception {
    CompletableFuture<Integer> n = new CompletableFuture<>();
    context.runOnContext(v -> n.complete(reader.held()));
    return n.get(10, TimeUnit.SECONDS);
  }

  @Test
  void theNewestDurableValuesAreReadFromMemoryAfterTheDisk() throws Exception {
    writeChosen(0, List.of(data(0, 10), data(1, 10), data(2, 10)));
    // 0..2 only on the disk (as after a restart's replay); 3..5 are handed over as durable but never reach this log's disk: only memory can serve them.
    deliverDurable(chosen(3, List.of(data(3, 10), data(4, 10), data(5, 10))), 6);

    assertEquals(List.of(3L, 4L, 5L), read(3, 16), "the newest durable values come from memory");
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), read(0, 16), "the disk's values, then memory's");
    assertEquals(List.of(4L), read(4, 1));
  }

  @Test
  void aGapInMemoryEndsTheRunAndTheDiskIsAskedForWhatMemoryLacks() throws Exception {
    writeChosen(0, List.of(data(0, 10), data(1, 10), data(2, 10), data(3, 10), data(4, 10)));
    // Memory holds 0..1 and 4 (3 and 2 reached the disk another way, as a catch-up does), durable below 5.
    deliverDurable(chosen(0, List.of(data(0, 10), data(1, 10))), 2);
    deliverDurable(chosen(4, List.of(data(4, 10))), 5);

    assertEquals(List.of(0L, 1L), read(0, 16), "memory's run ends at its gap");
    assertEquals(List.of(2L, 3L, 4L), read(2, 16), "the disk serves the gap, memory what follows");
  }

  @Test
  void runsOfNoOpsAreReadPastInMemory() throws Exception {
    List<Value> values = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      values.add(Value.noop(BALLOT));
    }
    values.add(data(40, 10));
    deliverDurable(chosen(0, values), 41);

    assertEquals(List.of(40L), read(0, 16), "40 no-ops, more than one read's count, are not the end");
    assertEquals(List.of(), read(41, 16), "nothing past what was delivered");
  }

  @Test
  void memoryKeepsAboutRecentBytesOfDurableValuesAndEveryValueNotYetDurable() throws Exception {
    int size = 64 << 10;
    int count = (int) (2 * ChosenEntryReader.RECENT_BYTES / size);
    List<Value> values = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      values.add(data(i, size));
    }
    writeChosen(0, values);
    deliverDurable(chosen(0, values), count);
    int perBudget = (int) (ChosenEntryReader.RECENT_BYTES / size);
    assertTrue(held() <= perBudget, "held " + held() + " values of " + size + " bytes, budget " + perBudget);
    assertTrue(held() >= perBudget - 1, "held only " + held() + " values, budget " + perBudget);
    assertEquals(List.of(0L, 1L), read(0, 2), "what memory dropped comes from the disk");

    // Early values are held whatever the budget: a woken reader needs their bytes before the disk has them.
    List<Value> early = new ArrayList<>();
    for (int i = count; i < count + perBudget + 10; i++) {
      early.add(data(i, size));
    }
    deliverEarly(chosen(count, early));
    assertTrue(held() >= early.size(), "held " + held() + " while " + early.size() + " values are not durable");
    assertEquals(List.of((long) count + perBudget + 9), read(count + perBudget + 9, 16));
  }
}
