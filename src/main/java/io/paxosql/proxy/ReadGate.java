package io.paxosql.proxy;

import io.paxosql.mysql.Command;
import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.mysql.PacketFramer;
import io.paxosql.mysql.ProtocolException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RO port's client-to-server path while reads are BOUNDED or LINEARIZABLE. Client bytes are
 * cut at wire-packet boundaries; a statement that starts a unit of work (COM_QUERY or
 * COM_STMT_EXECUTE outside a transaction) is held until its check passes, then forwarded, or
 * answered with an ERR and dropped. Everything else passes through in order. A LINEARIZABLE check
 * injects {@code SELECT MASTER_GTID_WAIT(read index, remaining time)} on the client's own backend
 * connection and consumes the reply here; the client never sees it.
 *
 * <p>A statement is held only while nothing else is in flight on the session, so the injected
 * query's reply cannot interleave with another response. Lives on the connection's event loop.
 */
final class ReadGate {
  private static final Logger LOG = LoggerFactory.getLogger(ReadGate.class);
  static final int ER_REPLICA_LAG = ProxyConnection.ER_UNKNOWN_ERROR;
  private static final Pattern GTID_LIST = Pattern.compile("\\d+-\\d+-\\d+(,\\d+-\\d+-\\d+)*");
  /**
   * Client bytes the gate holds before it stops reading from the client. A held statement needs only
   * its first bytes to be judged, so pausing never blocks the check; a client that pipelines behind a
   * held statement is slowed by TCP instead of growing the proxy's heap.
   */
  static final int MAX_HELD_BYTES = 1 << 20;

  private final ProxyConnection connection;
  private final ProxyPort port;
  private final SessionTracker tracker;
  private final Context context;
  private Buffer pending = Buffer.buffer();
  private long passthrough;
  private long discard;
  private boolean continuation;
  private boolean waiting;
  private long check;
  /** The last read index this session's MariaDB was seen to reach (MASTER_GTID_WAIT returned 0). */
  private String reached = "";
  private PacketFramer replyFramer;
  private SingleValueReply reply;
  private Consumer<SingleValueReply.Outcome> onReply;
  private boolean clientPaused;

  ReadGate(ProxyConnection connection, ProxyPort port, SessionTracker tracker, Context context) {
    this.connection = connection;
    this.port = port;
    this.tracker = tracker;
    this.context = context;
  }

  /** Bytes are held or part of a packet is still to pass: the gate must see the next read. */
  boolean busy() {
    return waiting || passthrough > 0 || discard > 0 || continuation || pending.length() > 0;
  }

  /** The backend's bytes answer our injected query, not the client's statement. */
  boolean injecting() {
    return reply != null;
  }

  void onClientBytes(Buffer chunk) {
    pending.appendBuffer(chunk);
    drain();
    if (!clientPaused && pending.length() > MAX_HELD_BYTES) {
      clientPaused = true;
      port.metrics().readGatePauses.increment();
      connection.pauseClientReads();
    }
  }

  /** Whether the gate holds more than it may; the connection then keeps client reads paused. */
  boolean overLimit() {
    return pending.length() > MAX_HELD_BYTES;
  }

  private void resumeIfRoom() {
    if (clientPaused && pending.length() <= MAX_HELD_BYTES && !connection.isClosed()) {
      clientPaused = false;
      connection.resumeClientReads();
    }
  }

  /** Forwards what may go now; stops at a statement that waits for its check or for the server. */
  void drain() {
    drainHeld();
    resumeIfRoom();
  }

  private void drainHeld() {
    while (!waiting && !connection.isClosed()) {
      if (discard > 0) {
        int n = (int) Math.min(discard, pending.length());
        if (n == 0) {
          return;
        }
        take(n);
        discard -= n;
        continue;
      }
      if (passthrough > 0) {
        int n = (int) Math.min(passthrough, pending.length());
        if (n == 0) {
          return;
        }
        passthrough -= n;
        if (!connection.forwardToBackend(take(n))) {
          return;
        }
        continue;
      }
      if (pending.length() < PacketCodec.HEADER_LENGTH) {
        return;
      }
      int length = pending.getUnsignedMediumLE(0);
      int seq = pending.getUnsignedByte(3);
      boolean fragmentFollows = length == PacketCodec.MAX_FRAGMENT;
      if (continuation || tracker.phase() != SessionTracker.Phase.COMMAND || tracker.expectsClientData()) {
        pass(length, fragmentFollows);
        continue;
      }
      if (!tracker.idle()) {
        return; // resumed by serverIdle() once the response in flight is complete
      }
      if (length == 0) {
        pass(length, false);
        continue;
      }
      if (pending.length() < PacketCodec.HEADER_LENGTH + 1) {
        return;
      }
      int code = pending.getUnsignedByte(PacketCodec.HEADER_LENGTH);
      ReadPolicy policy = port.readPolicy();
      boolean startsWork = code == Command.COM_QUERY || code == Command.COM_STMT_EXECUTE;
      if (policy.mode() == ReadPolicy.Mode.LOCAL || !startsWork || tracker.inTransaction()) {
        pass(length, fragmentFollows);
        continue;
      }
      waiting = true;
      port.metrics().readsChecked.increment();
      long statement = ++check;
      if (policy.mode() == ReadPolicy.Mode.BOUNDED) {
        long lag = port.readBarrier().replicaLagMs();
        if (lag > policy.maxLagMs()) {
          port.metrics().readsRefusedLag.increment();
          refuse(statement, length, seq, fragmentFollows, "replica lag: this node's MariaDB is "
              + describeLag(lag) + " behind the cluster, more than the RO port's limit of "
              + policy.maxLagMs() + " ms (roMaxLagMs); retry, or read through the RW port");
        } else {
          release(statement, length, fragmentFollows);
        }
        continue;
      }
      linearize(statement, length, seq, fragmentFollows, policy.maxLagMs());
    }
  }

  private static String describeLag(long lag) {
    return lag == Long.MAX_VALUE ? "an unknown time" : lag + " ms";
  }

  private void pass(int length, boolean fragmentFollows) {
    passthrough = PacketCodec.HEADER_LENGTH + (long) length;
    continuation = fragmentFollows;
  }

  private Buffer take(int n) {
    Buffer head = pending.getBuffer(0, n);
    pending = n == pending.length() ? Buffer.buffer() : pending.getBuffer(n, pending.length());
    return head;
  }

  /** The held statement may go. */
  private void release(long statement, int length, boolean fragmentFollows) {
    if (statement != check || !waiting) {
      return;
    }
    waiting = false;
    pass(length, fragmentFollows);
  }

  /** The held statement is answered with an ERR and its bytes dropped. */
  private void refuse(long statement, int length, int seq, boolean fragmentFollows, String message) {
    if (statement != check || !waiting) {
      return;
    }
    waiting = false;
    if (fragmentFollows) {
      connection.failSession(ER_REPLICA_LAG, ErrPacket.GENERAL_ERROR, message);
      return;
    }
    discard = PacketCodec.HEADER_LENGTH + (long) length;
    connection.sendToClient(PacketCodec.encode((seq + 1) & 0xFF,
        new ErrPacket(ER_REPLICA_LAG, ErrPacket.GENERAL_ERROR, message).encode()));
  }

  private void linearize(long statement, int length, int seq, boolean fragmentFollows, long budgetMs) {
    long deadline = System.nanoTime() + budgetMs * 1_000_000L;
    long timer = context.owner().setTimer(Math.max(1, budgetMs), t -> {
      if (statement == check && waiting && reply == null) {
        port.metrics().readsRefusedBarrier.increment();
        refuse(statement, length, seq, fragmentFollows, "linearizable read: no read index from the "
            + "master within " + budgetMs + " ms (roMaxLagMs); no stale answer is given, retry");
        drain();
      }
    });
    port.readBarrier().readIndex().onComplete(ar -> context.runOnContext(v -> {
      context.owner().cancelTimer(timer);
      if (LOG.isDebugEnabled()) {
        LOG.debug("linearizable read {} of {}: read index {}", statement, connection,
            ar.succeeded() ? "'" + ar.result() + "'" : "failed: " + ar.cause().getMessage());
      }
      if (statement != check || !waiting || connection.isClosed()) {
        return;
      }
      if (ar.failed()) {
        port.metrics().readsRefusedBarrier.increment();
        refuse(statement, length, seq, fragmentFollows, "linearizable read: cannot get a read index "
            + "from the master: " + ar.cause().getMessage() + "; no stale answer is given, retry");
        drain();
        return;
      }
      String gtid = ar.result().trim();
      if (gtid.isEmpty()) {
        release(statement, length, fragmentFollows);
        drain();
        return;
      }
      if (!GTID_LIST.matcher(gtid).matches()) {
        port.metrics().readsRefusedBarrier.increment();
        refuse(statement, length, seq, fragmentFollows, "linearizable read: the master's read index '"
            + gtid + "' is not a GTID position");
        drain();
        return;
      }
      if (covers(reached, gtid)) {
        // Same backend connection, so the same mariadbd process: its applied position only grows
        // (a fenced server is restarted, which ends this session), no need to ask it again.
        release(statement, length, fragmentFollows);
        drain();
        return;
      }
      long leftMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
      String sql = String.format(Locale.ROOT, "SELECT MASTER_GTID_WAIT('%s', %.3f)", gtid, leftMs / 1000.0);
      inject(sql, outcome -> {
        if (outcome.error() == null && "0".equals(outcome.value())) {
          reached = gtid;
          release(statement, length, fragmentFollows);
        } else {
          port.metrics().readsRefusedBarrier.increment();
          String why = outcome.error() != null ? "MariaDB refused the wait: " + outcome.error().message()
              : "this node's MariaDB did not apply " + gtid + " within " + budgetMs + " ms (roMaxLagMs)";
          refuse(statement, length, seq, fragmentFollows, "linearizable read: " + why
              + "; no stale answer is given, retry or read through the RW port");
        }
        drain();
      });
    }));
  }

  /** True when GTID position {@code have} includes every GTID of {@code want} (per domain, by sequence). */
  static boolean covers(String have, String want) {
    if (have.equals(want)) {
      return true;
    }
    if (have.isEmpty()) {
      return false;
    }
    Map<Long, Long> seqByDomain = new HashMap<>();
    for (String g : have.split(",")) {
      String[] f = g.trim().split("-");
      seqByDomain.merge(Long.parseLong(f[0]), Long.parseLong(f[2]), Math::max);
    }
    for (String g : want.split(",")) {
      String[] f = g.trim().split("-");
      Long seq = seqByDomain.get(Long.parseLong(f[0]));
      if (seq == null || seq < Long.parseLong(f[2])) {
        return false;
      }
    }
    return true;
  }

  private void inject(String sql, Consumer<SingleValueReply.Outcome> then) {
    reply = new SingleValueReply(tracker.deprecateEof());
    onReply = then;
    replyFramer = PacketFramer.assembling(1 << 20, packet -> {
      if (reply == null) {
        throw new ProtocolException("bytes after the injected query's reply");
      }
      SingleValueReply.Outcome o = reply.accept(packet.payload());
      if (o != null) {
        reply = null;
        replyFramer = null;
        Consumer<SingleValueReply.Outcome> k = onReply;
        onReply = null;
        k.accept(o);
      }
    });
    byte[] text = sql.getBytes(StandardCharsets.UTF_8);
    Buffer payload = Buffer.buffer(1 + text.length).appendByte((byte) Command.COM_QUERY).appendBytes(text);
    connection.writeToBackend(PacketCodec.encode(0, payload));
  }

  /** Backend bytes while our query is outstanding; throws ProtocolException on a reply we cannot read. */
  void onServerBytes(Buffer chunk) {
    replyFramer.feed(chunk);
  }

  /** The session's response in flight completed: held statements may be looked at again. */
  void serverIdle() {
    if (pending.length() > 0 && !waiting) {
      context.runOnContext(v -> drain());
    }
  }
}
