package io.paxosql.node.replog;

import com.google.protobuf.ByteString;
import io.paxosql.log.LogRecord;
import io.paxosql.log.PaxosLog;
import io.paxosql.transport.proto.CatchUpRequest;
import io.paxosql.transport.proto.StoredValue;
import io.paxosql.transport.proto.ValuesBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.streams.WriteStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a peer's catch-up ({@link CatchUpClient} on the other side) from this node's log rather than
 * from the core's memory, so a peer far behind costs disk reads, not heap. Values go out in batches of
 * about {@code catchUpBatchBytes}, never beyond what is durable here, honouring the stream's back-pressure.
 */
final class CatchUpServer {
  private static final Logger LOG = LoggerFactory.getLogger(CatchUpServer.class);
  /** Values per log read; the byte bound usually ends a batch first. */
  private static final int READ_VALUES = 4096;

  private final Context context;
  private final ReplogOptions opts;
  private final PaxosLog log;
  private final CoreDriver driver;
  private final int self;

  CatchUpServer(Context context, ReplogOptions opts, PaxosLog log, CoreDriver driver) {
    this.context = context;
    this.opts = opts;
    this.log = log;
    this.driver = driver;
    this.self = opts.paxos().nodeId();
  }

  /** Streams the values the request asks for, at most its maxValues (at least one), then ends the stream. */
  void serve(CatchUpRequest r, WriteStream<ValuesBatch> out) {
    long end = Math.min(driver.chosenBelow(), r.getFromInstance() + Math.max(1, r.getMaxValues()));
    serveFrom(r.getFromInstance(), end, out);
  }

  private void serveFrom(long next, long end, WriteStream<ValuesBatch> out) {
    if (next >= end || driver.stopped()) {
      out.end();
      return;
    }
    Future.fromCompletionStage(log.read(next, READ_VALUES, opts.catchUpBatchBytes()), context).onComplete((rr, err) -> {
      if (err != null) {
        LOG.warn("node {}: catch-up read at {} failed: {}", self, next, err.toString());
        out.end();
        return;
      }
      ValuesBatch.Builder b = ValuesBatch.newBuilder().setChosenBelow(driver.chosenBelow())
          .setFirstRetained(rr.firstRetained());
      if (rr.snapshotNeeded()) {
        out.write(b.setSnapshotNeeded(true).build());
        out.end();
        return;
      }
      long n = next;
      for (LogRecord.Chosen c : rr.values()) {
        if (c.instance() >= end) {
          break;
        }
        b.addValues(StoredValue.newBuilder().setInstance(c.instance()).setValue(ByteString.copyFrom(c.value())));
        n = c.instance() + 1;
      }
      if (n == next) {
        out.end();
        return;
      }
      out.write(b.build());
      long after = n;
      if (out.writeQueueFull()) {
        out.drainHandler(v -> serveFrom(after, end, out));
      } else {
        serveFrom(after, end, out);
      }
    });
  }
}
