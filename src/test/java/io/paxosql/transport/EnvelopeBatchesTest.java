package io.paxosql.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.paxosql.transport.proto.Accept;
import io.paxosql.transport.proto.Ballot;
import io.paxosql.transport.proto.Commit;
import io.paxosql.transport.proto.Entry;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Cutting the envelopes queued for one peer into stream messages: order kept, batches within the limit. */
@Timeout(30)
class EnvelopeBatchesTest {

  /** Extreme header fields: the largest cluster id and negative ids take the most varint bytes. */
  private static Envelope accept(long instance, int dataBytes) {
    Value v = Value.newBuilder().setEpoch(Ballot.newBuilder().setRound(Long.MAX_VALUE).setNode(-1))
        .addEntries(Entry.newBuilder().setProposalId(instance).setData(ByteString.copyFrom(new byte[dataBytes])))
        .build();
    return Envelope.newBuilder().setClusterId(Long.MIN_VALUE).setFrom(-1).setTo(-2)
        .setAccept(Accept.newBuilder().setInstance(instance).setValue(v)).build();
  }

  private static Envelope commit(long below) {
    return Envelope.newBuilder().setClusterId(Long.MIN_VALUE).setFrom(-1).setTo(-2)
        .setCommit(Commit.newBuilder().setChosenBelow(below)).build();
  }

  private static List<List<Envelope>> cut(EnvelopeBatches b, List<Envelope> all) {
    ArrayDeque<Envelope> queue = new ArrayDeque<>(all);
    List<List<Envelope>> runs = new ArrayList<>();
    for (int guard = 0; !queue.isEmpty() && guard <= all.size(); guard++) {
      runs.add(b.nextRun(queue, Envelope::getSerializedSize));
    }
    assertTrue(queue.isEmpty(), "every envelope was taken");
    return runs;
  }

  @Test
  void aLoneEnvelopeGoesAsItIs() {
    Envelope c = commit(5);
    assertSame(c, EnvelopeBatches.wrap(List.of(c)));
    assertThrows(IllegalArgumentException.class, () -> EnvelopeBatches.wrap(List.of()));
    assertEquals(List.of(), new EnvelopeBatches(1 << 20).nextRun(new ArrayDeque<Envelope>(), Envelope::getSerializedSize));
  }

  @Test
  void smallEnvelopesOfOneTurnGoAsOneBatchInOrder() {
    List<Envelope> turn = List.of(accept(7, 300), commit(7), accept(8, 300), commit(8));
    List<List<Envelope>> runs = cut(new EnvelopeBatches(16 << 20), turn);
    assertEquals(1, runs.size());
    Envelope wrapped = EnvelopeBatches.wrap(runs.get(0));
    assertTrue(wrapped.hasBatch());
    assertEquals(turn, wrapped.getBatch().getEnvelopesList(), "the same envelopes, in order");
    assertEquals(Long.MIN_VALUE, wrapped.getClusterId(), "the batch carries its envelopes' header");
    assertEquals(-1, wrapped.getFrom());
    assertEquals(-2, wrapped.getTo());
  }

  @Test
  void aBatchNeverExceedsThePortsLimitAndSplitsInOrder() {
    // A port limit below the target: batches are cut at the limit, not at 64 KiB.
    EnvelopeBatches b = new EnvelopeBatches(4096);
    assertEquals(4096, b.limit());
    List<Envelope> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(accept(i, 250));
    }
    List<List<Envelope>> runs = cut(b, all);
    assertTrue(runs.size() > 1, "forty 300-byte envelopes do not fit 4 KiB: " + runs.size());
    List<Envelope> again = new ArrayList<>();
    for (List<Envelope> run : runs) {
      assertTrue(EnvelopeBatches.wrap(run).getSerializedSize() <= 4096, "within the limit");
      again.addAll(run);
    }
    assertEquals(all, again, "order kept across batches");
  }

  @Test
  void anEnvelopeTooBigForABatchGoesAloneUnwrapped() {
    EnvelopeBatches b = new EnvelopeBatches(16 << 20);
    Envelope big = accept(2, EnvelopeBatches.TARGET_BYTES);
    assertTrue(b.alone(big.getSerializedSize()));
    assertTrue(!b.alone(commit(1).getSerializedSize()));
    List<List<Envelope>> runs = cut(b, List.of(commit(1), big, commit(2), commit(3)));
    assertEquals(List.of(List.of(commit(1)), List.of(big), List.of(commit(2), commit(3))), runs);
    assertSame(big, EnvelopeBatches.wrap(runs.get(1)), "sent as it is, so the receiver's limit drops only it");
  }

  @Test
  void randomRunsKeepOrderAndStayWithinTheLimit() {
    Random r = new Random(42);
    for (int round = 0; round < 200; round++) {
      long max = 1024 + r.nextInt(200_000);
      EnvelopeBatches b = new EnvelopeBatches(max);
      List<Envelope> all = new ArrayList<>();
      int n = 1 + r.nextInt(60);
      for (int i = 0; i < n; i++) {
        all.add(r.nextInt(4) == 0 ? commit(r.nextLong()) : accept(i, r.nextInt(r.nextBoolean() ? 500 : 80_000)));
      }
      List<Envelope> again = new ArrayList<>();
      for (List<Envelope> run : cut(b, all)) {
        int size = EnvelopeBatches.wrap(run).getSerializedSize();
        assertTrue(run.size() == 1 || size <= b.limit(), "a batch of " + run.size() + " is " + size + " > " + b.limit());
        assertTrue(b.limit() <= Math.min(EnvelopeBatches.TARGET_BYTES, max));
        again.addAll(run);
      }
      assertEquals(all, again, "round " + round);
    }
  }
}
