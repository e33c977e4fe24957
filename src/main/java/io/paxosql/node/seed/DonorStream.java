package io.paxosql.node.seed;

import com.google.protobuf.ByteString;
import io.paxosql.transport.proto.BackupChunk;
import io.vertx.core.Context;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The donor's half of a backup stream: runs mariadb-backup and copies its stdout, one chunk at a time,
 * into the peer's gRPC stream. A chunk is written only once the stream's write queue has room, so the
 * donor holds at most the queue plus one chunk in memory, whatever the backup's size, and mariadb-backup
 * itself blocks on a full pipe when the joiner is slow. {@link #pump} blocks: run it on a worker thread.
 */
final class DonorStream {
  static final int CHUNK_BYTES = 1 << 20;
  /** A joiner that takes nothing for this long has gone; the backup is abandoned. */
  static final long STALL_SECONDS = 120;

  private final Context context;
  private final WriteStream<BackupChunk> out;
  private final SeedProgress progress;
  private volatile String broken;
  private volatile CompletableFuture<Void> pending;
  private volatile Process process;

  DonorStream(Context context, WriteStream<BackupChunk> out, SeedProgress progress) {
    this.context = context;
    this.out = out;
    this.progress = progress;
    context.runOnContext(v -> out.exceptionHandler(e -> abandon("the joiner's stream broke: " + e.getMessage())));
  }

  /** The joiner went away: stop reading, kill mariadb-backup. */
  void abandon(String why) {
    broken = why;
    CompletableFuture<Void> p = pending;
    if (p != null) {
      p.completeExceptionally(new IOException(why));
    }
    Process pr = process;
    if (pr != null) {
      pr.destroyForcibly();
    }
  }

  /**
   * Writes {@code header}, then the backup's bytes; returns the coordinates mariadb-backup reported.
   * The caller writes the trailer and ends the stream.
   */
  BinlogInfo pump(BackupChunk header, List<String> command, String password, Path log) throws IOException {
    send(header);
    Process p = BackupTools.withPassword(command, password).redirectError(log.toFile()).start();
    process = p;
    try (InputStream in = p.getInputStream()) {
      byte[] buf = new byte[CHUNK_BYTES];
      while (true) {
        int n = in.readNBytes(buf, 0, CHUNK_BYTES);
        if (n == 0) {
          break;
        }
        send(BackupChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).build());
        progress.add(n);
      }
      if (!p.waitFor(STALL_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException("mariadb-backup did not exit within " + STALL_SECONDS + " s after its output ended");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while streaming the backup", e);
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    if (broken != null) {
      throw new IOException(broken);
    }
    if (p.exitValue() != 0) {
      throw new IOException("mariadb-backup failed (exit " + p.exitValue() + "); " + log + " ends:" + BackupTools.tail(log));
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    return BinlogInfo.fromLog(text).orElseThrow(() -> new IOException("mariadb-backup did not report the binlog "
        + "position its backup matches (is log_bin on?); " + log + " ends:" + BackupTools.tail(log)));
  }

  /** Writes one message on the stream's context and waits until the queue has room again. */
  private void send(BackupChunk chunk) throws IOException {
    if (broken != null) {
      throw new IOException(broken);
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    pending = ready;
    context.runOnContext(v -> {
      if (broken != null) {
        ready.completeExceptionally(new IOException(broken));
        return;
      }
      out.write(chunk).onFailure(e -> abandon("writing to the joiner failed: " + e.getMessage()));
      if (out.writeQueueFull()) {
        out.drainHandler(x -> ready.complete(null));
      } else {
        ready.complete(null);
      }
    });
    try {
      ready.get(STALL_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      abandon("the joiner took nothing for " + STALL_SECONDS + " s");
      throw new IOException(broken);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while streaming the backup", e);
    }
  }
}
