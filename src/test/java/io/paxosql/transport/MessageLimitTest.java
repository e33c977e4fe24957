package io.paxosql.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import io.paxosql.testing.FreePorts;
import io.paxosql.testing.OnContext;
import io.paxosql.transport.proto.Ballot;
import io.paxosql.transport.proto.ChosenValue;
import io.paxosql.transport.proto.Commit;
import io.paxosql.transport.proto.Entry;
import io.paxosql.transport.proto.Envelope;
import io.paxosql.transport.proto.ProposeRequest;
import io.paxosql.transport.proto.Value;
import io.paxosql.transport.proto.Values;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The Paxos port accepts messages up to about twice the batch cap, over real loopback gRPC: a peer's
 * message above it is dropped unread, counted, and logged naming the peer and the size, and the same
 * stream goes on carrying that peer's messages; an oversized forwarded proposal is answered
 * RESOURCE_EXHAUSTED.
 */
@Timeout(120)
class MessageLimitTest {
  private static final int BATCH = 64 << 10;
  final Vertx vertx = Vertx.vertx();
  final Context ctx = vertx.getOrCreateContext();
  final List<NodeTransport> started = new ArrayList<>();
  final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  final Logger transportLog = (Logger) LoggerFactory.getLogger(NodeTransport.class);

  @AfterEach
  void stop() throws Exception {
    transportLog.detachAppender(logged);
    for (NodeTransport t : started) {
      onContext(t::close);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private <T> T onContext(Supplier<Future<T>> action) throws Exception {
    return OnContext.await(ctx, action);
  }

  private NodeTransport start(int node, int port, Map<Integer, String> peers, NodeTransportTest.Recorder r)
      throws Exception {
    TransportConfig cfg = TransportConfig.plain(7, node, "127.0.0.1", port, peers).withBatchBytes(BATCH);
    NodeTransport t = onContext(() -> NodeTransport.start(vertx, cfg, new FaultInjector(), r));
    started.add(t);
    return t;
  }

  private static Envelope commit(long below) {
    return Envelope.newBuilder().setClusterId(7).setFrom(1).setTo(2)
        .setCommit(Commit.newBuilder().setChosenBelow(below)).build();
  }

  /** A Values message of {@code bytes} data bytes in one value: what an unbounded catch-up answer could be. */
  private static Envelope values(int bytes) {
    Value v = Value.newBuilder().setEpoch(Ballot.newBuilder().setRound(1).setNode(1))
        .addEntries(Entry.newBuilder().setProposalId(1).setData(ByteString.copyFrom(new byte[bytes]))).build();
    return Envelope.newBuilder().setClusterId(7).setFrom(1).setTo(2)
        .setValues(Values.newBuilder().addValues(ChosenValue.newBuilder().setInstance(5).setValue(v))).build();
  }

  @Test
  void aMessageOverTheLimitIsRefusedCountedAndLoggedAndTheStreamGoesOn() throws Exception {
    logged.start();
    transportLog.addAppender(logged);
    int pa = FreePorts.next();
    int pb = FreePorts.next();
    NodeTransportTest.Recorder rb = new NodeTransportTest.Recorder();
    NodeTransport a = start(1, pa, Map.of(2, "127.0.0.1:" + pb), new NodeTransportTest.Recorder());
    NodeTransport b = start(2, pb, Map.of(1, "127.0.0.1:" + pa), rb);
    long limit = 2L * BATCH + (1 << 20);
    Envelope within = values(2 * BATCH);
    Envelope over = values((int) limit + 1000);
    ctx.runOnContext(v -> a.send(commit(1)));
    assertEquals(1, rb.got.poll(20, TimeUnit.SECONDS).getCommit().getChosenBelow());
    ctx.runOnContext(v -> {
      a.send(within);
      a.send(over);
      a.send(commit(2));
    });
    Envelope first = rb.got.poll(20, TimeUnit.SECONDS);
    assertEquals(within.getValues(), first.getValues(), "a message of two batches passes");
    Envelope next = rb.got.poll(20, TimeUnit.SECONDS);
    assertTrue(next != null && next.hasCommit(), "the stream goes on past the refused message: " + next);
    assertEquals(2, next.getCommit().getChosenBelow());
    assertEquals(1, b.refused(NodeTransport.REFUSED_TOO_LARGE));
    String size = Long.toString(over.getSerializedSize());
    List<String> lines = logged.list.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(s -> s.contains("bytes from node 1")).toList();
    assertEquals(1, lines.size(), "one log line naming the peer: " + logged.list);
    assertTrue(lines.get(0).contains(size) && lines.get(0).contains(Long.toString(limit)), lines.get(0));

    // A forwarded proposal over the limit is answered, not left hanging; one within it still works.
    ExecutionException e = assertThrows(ExecutionException.class, () -> onContext(() -> a.propose(2,
        ProposeRequest.newBuilder().setClusterId(7).setFrom(1).setData(ByteString.copyFrom(new byte[(int) limit]))
            .build())));
    assertTrue(String.valueOf(e.getCause()).contains("RESOURCE_EXHAUSTED"), String.valueOf(e.getCause()));
    assertEquals(2, b.refused(NodeTransport.REFUSED_TOO_LARGE));
    assertEquals(BATCH, onContext(() -> a.propose(2, ProposeRequest.newBuilder().setClusterId(7).setFrom(1)
        .setData(ByteString.copyFrom(new byte[BATCH])).build())).getInstance());
    ctx.runOnContext(v -> a.send(commit(3)));
    assertEquals(3, rb.got.poll(20, TimeUnit.SECONDS).getCommit().getChosenBelow());
  }
}
