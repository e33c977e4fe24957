package io.paxosql.binlog.server;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.event.Checksum;
import io.paxosql.binlog.event.EventFormatException;
import io.paxosql.binlog.log.LogPiece;
import io.paxosql.binlog.log.LogReader;
import io.paxosql.binlog.net.PacketChannel;
import io.paxosql.mysql.Bytes;
import io.paxosql.mysql.Capabilities;
import io.paxosql.mysql.Command;
import io.paxosql.mysql.EofPacket;
import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.HandshakeResponse41;
import io.paxosql.mysql.HandshakeV10;
import io.paxosql.mysql.NativePassword;
import io.paxosql.mysql.OkPacket;
import io.paxosql.mysql.Packet;
import io.paxosql.mysql.PacketCodec;
import io.paxosql.mysql.ServerStatus;
import io.paxosql.mysql.TextResultSet;
import io.paxosql.mysql.AuthSwitchRequest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's connection to the binlog server: handshake and mysql_native_password login, the
 * replica's setup queries, then COM_BINLOG_DUMP streaming the log from the replica's GTID state
 * and tailing it, with heartbeats while idle. Everything runs on the connection's context.
 */
final class ReplicaConnection {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaConnection.class);
  static final int ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;
  static final int ER_NO_SUCH_THREAD = 1094;
  private static final long CAPABILITIES = Capabilities.FOUND_ROWS
      | Capabilities.LONG_FLAG | Capabilities.CONNECT_WITH_DB | Capabilities.PROTOCOL_41 | Capabilities.TRANSACTIONS
      | Capabilities.SECURE_CONNECTION | Capabilities.MULTI_RESULTS | Capabilities.PLUGIN_AUTH
      | Capabilities.CONNECT_ATTRS | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA;
  private static final long LOGIN_MAX_PACKET = 1 << 20;
  private static final long LOGIN_TIMEOUT_MS = 10_000;
  private static final int READ_BATCH = 64;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final BinlogServer server;
  private final long id;
  private final PacketChannel ch;
  private final Context context;
  private final byte[] seed = new byte[NativePassword.SEED_LENGTH];
  private ReplicaSession session;
  private String peer;
  private boolean closed;
  private long loginTimer = -1;
  // Dump state.
  private DumpStream stream;
  private GtidState skip;
  private int seq;
  private boolean semiSyncHeader;
  private LogReader reader;
  private boolean pumping;
  private boolean more;
  private AutoCloseable subscription;
  /**
   * Whether a pump is already queued on the context for new entries: the log publishes each transaction on its
   * own thread, and one queued pump reads them all, so a burst costs one task, not one per transaction.
   */
  private final AtomicBoolean wakeQueued = new AtomicBoolean();
  private long heartbeatTimer = -1;
  private long lastSendNanos;
  // Event packets gathered during one pump and written at once: one write per batch, not per event.
  private Buffer out = Buffer.buffer();
  private static final int FLUSH_BYTES = 1 << 20;

  ReplicaConnection(Vertx vertx, BinlogServer server, long id, NetSocket socket) {
    this.vertx = vertx;
    this.server = server;
    this.id = id;
    this.ch = new PacketChannel(socket, LOGIN_MAX_PACKET);
    this.context = vertx.getOrCreateContext();
    this.peer = String.valueOf(socket.remoteAddress());
    ch.onClose(this::closed);
  }

  void start() {
    for (int i = 0; i < seed.length; i++) {
      // Printable, never NUL: the scramble travels NUL-terminated in the greeting.
      seed[i] = (byte) (33 + RANDOM.nextInt(94));
    }
    HandshakeV10 hs = new HandshakeV10("5.5.5-" + MariaDbFormat.SERVER_VERSION, id, Bytes.of(seed), CAPABILITIES,
        8, ServerStatus.AUTOCOMMIT, NativePassword.PLUGIN);
    ch.write(0, hs.encode());
    loginTimer = vertx.setTimer(LOGIN_TIMEOUT_MS, t -> {
      LOG.warn("binlog server: {} did not log in within {} ms; closing", peer, LOGIN_TIMEOUT_MS);
      ch.close();
    });
    ch.read().onComplete(ar -> {
      if (ar.succeeded()) {
        login(ar.result());
      } else {
        badHandshake(ar.cause().getMessage());
      }
    });
  }

  private void badHandshake(String why) {
    if (!closed) {
      LOG.warn("binlog server: bad handshake from {}: {}", peer, why);
      ch.write(2, new ErrPacket(ErrPacket.ER_HANDSHAKE_ERROR, "08S01", "Bad handshake: " + why).encode());
      ch.close();
    }
  }

  private void login(Packet p) {
    HandshakeResponse41 resp;
    try {
      resp = HandshakeResponse41.decode(p.payload());
    } catch (RuntimeException e) {
      badHandshake(e.getMessage());
      return;
    }
    if (resp.authPluginName() != null && !NativePassword.PLUGIN.equals(resp.authPluginName())) {
      int next = ch.write(p.nextSequenceId(), new AuthSwitchRequest(NativePassword.PLUGIN, Bytes.of(seed)).encode());
      ch.read().onComplete(ar -> {
        if (ar.succeeded()) {
          authenticate(resp.username(), ar.result().payload().getBytes(), ar.result().nextSequenceId());
        } else {
          badHandshake("no answer to the auth switch (expected seq " + next + ")");
        }
      });
      return;
    }
    authenticate(resp.username(), resp.authResponse().toArray(), p.nextSequenceId());
  }

  private void authenticate(String user, byte[] response, int seqId) {
    BinlogServerConfig cfg = server.config();
    byte[] stored = NativePassword.storedHash(cfg.password().getBytes(StandardCharsets.UTF_8));
    if (cfg.password().isEmpty()) {
      stored = new byte[0];
    }
    if (!cfg.user().equals(user) || !NativePassword.verify(seed, response, stored)) {
      LOG.warn("binlog server: access denied for '{}' from {}", user, peer);
      ch.write(seqId, new ErrPacket(ErrPacket.ER_ACCESS_DENIED_ERROR, "28000", "Access denied for user '" + user
          + "'@'" + host() + "' (using password: " + (response.length > 0 ? "YES" : "NO")
          + "); the binlog server accepts only its configured replication user").encode());
      ch.close();
      return;
    }
    vertx.cancelTimer(loginTimer);
    session = new ReplicaSession(cfg.serverId(), cfg.domainId(), () -> System.currentTimeMillis() / 1000);
    ch.write(seqId, ok());
    readCommand();
  }

  private String host() {
    String h = peer;
    int colon = h.lastIndexOf(':');
    return colon > 0 ? h.substring(0, colon) : h;
  }

  private static Buffer ok() {
    return OkPacket.of(0, 0, ServerStatus.AUTOCOMMIT, 0).encode(CAPABILITIES);
  }

  private void readCommand() {
    ch.read().onSuccess(this::command);
  }

  private void command(Packet p) {
    Command c;
    try {
      c = Command.decode(p.payload());
    } catch (RuntimeException e) {
      ch.write(1, new ErrPacket(ErrPacket.ER_UNKNOWN_COM_ERROR, "08S01", "cannot decode command: "
          + e.getMessage()).encode());
      readCommand();
      return;
    }
    if (c instanceof Command.Query q) {
      reply(session.answer(q.text()));
    } else if (c instanceof Command.Ping || c instanceof Command.RegisterSlave) {
      ch.write(1, ok());
    } else if (c instanceof Command.Quit) {
      ch.close();
      return;
    } else if (c instanceof Command.BinlogDump d) {
      dump(d);
      return;
    } else {
      LOG.info("binlog server: {} sent unsupported command {}", peer, Command.name(p.firstByte()));
      ch.write(1, new ErrPacket(ErrPacket.ER_UNKNOWN_COM_ERROR, "08S01", "the paxosql binlog server does not support "
          + Command.name(p.firstByte())).encode());
    }
    readCommand();
  }

  private void reply(QueryReply r) {
    if (r instanceof QueryReply.Ok) {
      ch.write(1, ok());
    } else if (r instanceof QueryReply.Rows rows) {
      int s = 1;
      for (Buffer b : new TextResultSet(rows.columns(), rows.rows()).encode(ServerStatus.AUTOCOMMIT)) {
        s = ch.write(s, b);
      }
    } else if (r instanceof QueryReply.Error e) {
      ch.write(1, new ErrPacket(e.code(), e.sqlState(), e.message()).encode());
    } else if (r instanceof QueryReply.Kill k) {
      if (server.kill(k.connectionId())) {
        ch.write(1, ok());
      } else {
        ch.write(1, new ErrPacket(ER_NO_SUCH_THREAD, "HY000", "Unknown thread id: " + k.connectionId()).encode());
      }
    }
  }

  private void dump(Command.BinlogDump d) {
    seq = 1;
    GtidState state = session.connectState();
    if (state == null) {
      fatal("the paxosql binlog server serves GTID replicas only: use CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos");
      return;
    }
    if (!session.wantsChecksums()) {
      fatal("the paxosql binlog server sends CRC32-checksummed events; the replica did not set @master_binlog_checksum");
      return;
    }
    semiSyncHeader = "1".equals(session.userVar("rpl_semi_sync_slave"));
    server.log().locate(state).onComplete(ar -> context.runOnContext(v -> {
      if (ar.failed()) {
        fatal("Error: " + ar.cause().getMessage());
        return;
      }
      LOG.info("binlog server: replica {} (connection {}) dumps from GTID '{}', log entry {}", peer, id, state,
          ar.result());
      skip = state;
      reader = server.log().openReader(ar.result(), READ_BATCH);
      stream = new DumpStream(server.config().fileBaseName(), server.config().serverId(), server.config().rotateAt(),
          System.currentTimeMillis() / 1000, state);
      stream.start().forEach(this::sendEvent);
      flush();
      subscription = server.log().subscribe(e -> {
        if (wakeQueued.compareAndSet(false, true)) {
          context.runOnContext(x -> {
            wakeQueued.set(false);   // before reading: an entry published from now on queues another pump
            pump();
          });
        }
      });
      long periodNanos = session.heartbeatPeriodNanos();
      if (periodNanos > 0) {
        long ms = Math.max(50, periodNanos / 1_000_000);
        heartbeatTimer = vertx.setPeriodic(ms, t -> {
          if (!closed && System.nanoTime() - lastSendNanos >= periodNanos) {
            sendEvent(stream.heartbeat());
            flush();
          }
        });
      }
      pump();
    }));
  }

  private void fatal(String message) {
    flush();
    LOG.warn("binlog server: refusing replica {}: {}", peer, message);
    ch.write(seq, new ErrPacket(ER_MASTER_FATAL_ERROR_READING_BINLOG, "HY000", message).encode());
    ch.close();
  }

  private void sendEvent(byte[] event) {
    Buffer b = Buffer.buffer(event.length + 3).appendByte((byte) 0);
    if (semiSyncHeader) {
      b.appendByte((byte) 0xEF).appendByte((byte) 0);
    }
    seq = PacketCodec.encodeTo(out, seq, b.appendBytes(event));
    lastSendNanos = System.nanoTime();
    if (out.length() >= FLUSH_BYTES) {
      flush();
    }
  }

  private void flush() {
    if (out.length() > 0 && !closed) {
      ch.socket().write(out);
      out = Buffer.buffer();
    }
  }

  /**
   * Sends the log from the reader's place on, a bounded read at a time (a big transaction a piece at a time),
   * honouring the socket's back-pressure: nothing more is read while the socket's write queue is full.
   */
  private void pump() {
    if (closed || stream == null) {
      return;
    }
    if (pumping) {
      more = true;
      return;
    }
    if (ch.socket().writeQueueFull()) {
      ch.socket().drainHandler(v -> pump());
      return;
    }
    pumping = true;
    more = false;
    reader.next().onComplete(ar -> context.runOnContext(v -> {
      pumping = false;
      if (closed) {
        return;
      }
      if (ar.failed()) {
        fatal("Error: cannot read log entry " + reader.sequence() + ": " + ar.cause().getMessage());
        return;
      }
      List<LogPiece> entries = ar.result();
      for (LogPiece e : entries) {
        if (!send(e)) {
          return;
        }
      }
      flush();
      // A log may return fewer than asked before its end (the chain stops at a byte budget): only an
      // empty read means the end, where the subscription takes over.
      if (!entries.isEmpty() || more) {
        pump();
      }
    }));
  }

  /** Sends a piece of a transaction as read: its events now, and the transaction's end once its last piece came. */
  private boolean send(LogPiece e) {
    if (skip.covers(e.gtid())) {
      return true;
    }
    for (byte[] ev : e.events()) {
      try {
        Checksum.verify(ev);
      } catch (EventFormatException x) {
        fatal("Error: log entry " + e.sequence() + " (GTID " + e.gtid() + ") is corrupt: "
            + x.getMessage() + "; the binlog server stops this dump rather than send it");
        return false;
      }
    }
    stream.events(e.events()).forEach(this::sendEvent);
    if (e.last()) {
      stream.end(e.gtid()).forEach(this::sendEvent);
    }
    return true;
  }

  void kill() {
    ch.close();
  }

  void closed() {
    if (closed) {
      return;
    }
    closed = true;
    server.removed(id);
    if (loginTimer >= 0) {
      vertx.cancelTimer(loginTimer);
    }
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception e) {
        LOG.debug("closing a log subscription", e);
      }
    }
  }
}
