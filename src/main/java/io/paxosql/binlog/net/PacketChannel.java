package io.paxosql.binlog.net;

import io.paxosql.mysql.Packet;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.mysql.PacketFramer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A MySQL connection as packets, on top of the one framer: request/response steps read packets
 * one at a time as futures; a dump switches to a handler that sees every packet. Confined to the
 * socket's context.
 */
public final class PacketChannel {
  private final NetSocket socket;
  private final ArrayDeque<Packet> queued = new ArrayDeque<>();
  private final ArrayDeque<Promise<Packet>> waiting = new ArrayDeque<>();
  private Consumer<Packet> handler;
  private Throwable closedBy;
  private Runnable onClose = () -> { };

  public PacketChannel(NetSocket socket, long maxPacketSize) {
    this.socket = socket;
    PacketFramer framer = PacketFramer.assembling(maxPacketSize, this::deliver);
    socket.handler(chunk -> {
      try {
        framer.feed(chunk);
      } catch (RuntimeException e) {
        fail(e);
        socket.close();
      }
    });
    socket.exceptionHandler(this::fail);
    socket.closeHandler(v -> {
      fail(new ConnectionClosedException("connection closed"));
      onClose.run();
    });
  }

  /** Runs once the connection is closed, by either side. */
  public void onClose(Runnable r) {
    onClose = r;
  }

  private void deliver(Packet p) {
    if (handler != null) {
      // A streaming handler consumes the packet before returning: no copy needed.
      handler.accept(p);
      return;
    }
    // The framer may hand out a slice of the read buffer: copy before keeping it.
    Packet own = new Packet(p.sequenceId(), p.payload().copy());
    if (!waiting.isEmpty()) {
      waiting.poll().complete(own);
    } else {
      queued.add(own);
    }
  }

  private void fail(Throwable cause) {
    if (closedBy == null) {
      closedBy = cause;
    }
    while (!waiting.isEmpty()) {
      waiting.poll().tryFail(closedBy);
    }
  }

  /** The next packet, or a failed future once the connection is gone. */
  public Future<Packet> read() {
    if (!queued.isEmpty()) {
      return Future.succeededFuture(queued.poll());
    }
    if (closedBy != null) {
      return Future.failedFuture(closedBy);
    }
    Promise<Packet> p = Promise.promise();
    waiting.add(p);
    return p.future();
  }

  /**
   * From now on every packet goes to {@code h} (those already queued first). The payload may be a
   * slice of the read buffer: {@code h} must copy what it keeps.
   */
  public void stream(Consumer<Packet> h) {
    handler = h;
    while (!queued.isEmpty()) {
      h.accept(queued.poll());
    }
  }

  /** Writes one logical packet; returns the sequence id that follows it. */
  public int write(int sequenceId, Buffer payload) {
    Buffer out = Buffer.buffer(payload.length() + 8);
    int next = PacketCodec.encodeTo(out, sequenceId, payload);
    socket.write(out);
    return next;
  }

  public NetSocket socket() {
    return socket;
  }

  public boolean closed() {
    return closedBy != null;
  }

  public Future<Void> close() {
    return socket.close();
  }

  /** The connection ended; the message says by whom. */
  public static final class ConnectionClosedException extends RuntimeException {
    public ConnectionClosedException(String message) {
      super(message);
    }
  }
}
