package io.paxosql.node.seed;

import com.google.protobuf.ByteString;
import io.paxosql.transport.proto.BackupChunk;
import io.paxosql.transport.proto.BackupHeader;
import io.paxosql.transport.proto.BackupTrailer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The joiner's half of a backup stream: pipes the donor's mbstream bytes into {@code mbstream -x}. The
 * gRPC stream is paused whenever {@link #HIGH_CHUNKS} chunks wait for the pipe and resumed at
 * {@link #LOW_CHUNKS}, so memory stays bounded by the queue plus the transport's flow-control window.
 * A stream that ends without its trailer, fails, or stalls is an incomplete backup and an error.
 */
final class BackupReceiver {
  static final int HIGH_CHUNKS = 16;
  static final int LOW_CHUNKS = 4;
  /** A donor that sends nothing for this long is gone. */
  static final long STALL_SECONDS = 120;
  private static final Object END = new Object();

  /** What arrived around the bytes: both are required for a complete backup. */
  record Received(BackupHeader header, BackupTrailer trailer) {}

  private final Vertx vertx;
  private final SeedProgress progress;
  private final int donor;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final AtomicBoolean paused = new AtomicBoolean();
  private volatile BackupHeader header;
  private volatile BackupTrailer trailer;
  private volatile boolean cancelled;
  /** After a failure the rest of the stream is read and dropped, so the donor is not left waiting. */
  private volatile boolean discard;

  BackupReceiver(Vertx vertx, SeedProgress progress, int donor) {
    this.vertx = vertx;
    this.progress = progress;
    this.donor = donor;
  }

  /** Stops the receiving at once (the node is stopping); the future fails. */
  void cancel() {
    cancelled = true;
    queue.offer(new IOException("seeding was cancelled"));
  }

  /** Unpacks the stream into {@code dir} (which must be empty); call on the stream's context. */
  Future<Received> receive(ReadStream<BackupChunk> in, Path dir, Path log) {
    Context context = vertx.getOrCreateContext();
    in.handler(chunk -> {
      switch (chunk.getKindCase()) {
        case HEADER -> {
          header = chunk.getHeader();
          progress.streaming(donor, header.getExpectedBytes(), System.nanoTime());
        }
        case DATA -> {
          if (discard) {
            return;
          }
          queue.offer(chunk.getData());
          if (queue.size() >= HIGH_CHUNKS && paused.compareAndSet(false, true)) {
            in.pause();
          }
        }
        case TRAILER -> trailer = chunk.getTrailer();
        default -> queue.offer(new IOException("node " + donor + " sent a backup message of an unknown kind"));
      }
    });
    in.exceptionHandler(e -> queue.offer(new IOException("the stream from node " + donor + " broke: "
        + e.getMessage(), e)));
    in.endHandler(v -> queue.offer(END));
    return vertx.executeBlocking(() -> {
      unpack(dir, log, context, in);
      if (header == null || trailer == null) {
        String said = in instanceof GrpcClientResponse<?, ?> r && r.status() != null && r.status() != GrpcStatus.OK
            ? "; it ended with " + r.status() + (r.statusMessage() == null ? "" : ": " + r.statusMessage())
            : ": the donor stopped or died mid-stream";
        throw new IOException("the backup stream from node " + donor + " ended before it was complete (no "
            + (header == null ? "header" : "trailer") + ")" + said);
      }
      return new Received(header, trailer);
    }, false);
  }

  private void unpack(Path dir, Path log, Context context, ReadStream<BackupChunk> in) throws Exception {
    Process mb = new ProcessBuilder(BackupTools.extract(dir)).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    try (OutputStream stdin = mb.getOutputStream()) {
      while (true) {
        Object o = queue.poll(STALL_SECONDS, TimeUnit.SECONDS);
        if (o == null) {
          throw new IOException("node " + donor + " sent nothing for " + STALL_SECONDS + " s: the donor is stuck or gone");
        }
        if (o == END) {
          break;
        }
        if (o instanceof Exception e) {
          throw e;
        }
        ByteString bytes = (ByteString) o;
        try {
          bytes.writeTo(stdin);
        } catch (IOException e) {
          throw new IOException("mbstream stopped taking data (" + e.getMessage() + "); " + log + " ends:"
              + BackupTools.tail(log), e);
        }
        progress.add(bytes.size());
        if (queue.size() <= LOW_CHUNKS && paused.compareAndSet(true, false)) {
          context.runOnContext(v -> in.resume());
        }
      }
    } catch (Exception e) {
      discard = true;
      queue.clear();
      context.runOnContext(v -> in.resume());
      mb.destroyForcibly().waitFor();
      if (cancelled) {
        throw new IOException("seeding was cancelled", e);
      }
      throw e;
    }
    if (!mb.waitFor(STALL_SECONDS, TimeUnit.SECONDS)) {
      mb.destroyForcibly().waitFor();
      throw new IOException("mbstream did not finish within " + STALL_SECONDS + " s after the stream ended");
    }
    if (mb.exitValue() != 0) {
      throw new IOException("mbstream -x failed (exit " + mb.exitValue() + "); " + log + " ends:" + BackupTools.tail(log));
    }
  }
}
