package io.paxosql.binlog.capture;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.MalformedStreamException;
import io.paxosql.binlog.SpooledEvents;
import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.TransactionParser;
import io.paxosql.binlog.net.PacketChannel;
import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.EofPacket;
import io.paxosql.mysql.Packet;
import io.paxosql.mysql.PayloadWriter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's semi-sync replica. It streams the binlog from a GTID position, groups events into
 * whole transactions, hands each to the sink in order, and ACKs the master only at positions up to
 * which the sink has confirmed everything. When the connection drops it waits for the sink to
 * settle what it was given, then resumes from the last confirmed GTID. All state lives on one
 * Vert.x context.
 */
public final class Capture {
  private static final Logger LOG = LoggerFactory.getLogger(Capture.class);
  private static final long MAX_PACKET = 1L << 30;
  private static final int SEMI_SYNC_HEADER = 0xEF;
  /**
   * A group bigger than this is gathered in a temporary file, not the heap ({@link SpooledEvents}): the chain
   * needs a transaction whole before it can number its parts, and a 1 GB one must not need a 1 GB heap.
   */
  static final long SPOOL_ABOVE_BYTES = 8L << 20;
  private static final Path SPOOL_DIR = Path.of(System.getProperty("java.io.tmpdir"));

  private final Vertx vertx;
  private final Context context;
  private final CaptureConfig config;
  private final TransactionSink sink;
  private final NetClient client;
  private final AckTracker tracker;
  private final List<Future<?>> inFlight = new ArrayList<>();
  private static final int OWN_IDS_KEPT = 8;
  private final ArrayDeque<Long> ownIds = new ArrayDeque<>();
  private final Promise<Void> firstStream = Promise.promise();
  private PacketChannel channel;
  private boolean stopped;
  private long watchdog = -1;
  private static final long MAX_RECONNECT_DELAY_MS = 10_000;
  private BinlogPosition pendingAck;
  private int failedAttempts;
  private boolean streamed;
  private volatile String lastError;
  private volatile long acksSent;
  private volatile long transactions;
  private volatile boolean semiSync = true;

  public Capture(Vertx vertx, CaptureConfig config, TransactionSink sink) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.config = config;
    this.sink = sink;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5000).setTcpNoDelay(true));
    this.tracker = new AckTracker(config.start());
  }

  /** Starts connecting; the future completes when the first dump is streaming. */
  public Future<Void> start() {
    context.runOnContext(v -> connect());
    return firstStream.future();
  }

  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopped = true;
      if (watchdog >= 0) {
        vertx.cancelTimer(watchdog);
      }
      Future<Void> closing = channel == null ? Future.succeededFuture() : channel.close();
      closing.eventually(() -> client.close()).onComplete(ar -> done.complete());
    });
    return done.future();
  }

  /** Drops the current connection as a network failure would; the capture resumes by itself. */
  public void disconnect() {
    context.runOnContext(v -> {
      if (channel != null) {
        channel.close();
      }
    });
  }

  /** Everything the sink confirmed: where a restart resumes. */
  public GtidState confirmedState() {
    return tracker.confirmedState();
  }

  /**
   * The MariaDB connection ids this capture logged in with, the last {@value #OWN_IDS_KEPT}: a dump
   * thread of an earlier connection may linger on the master until it notices the socket closed.
   */
  public Set<Long> ownConnectionIds() {
    synchronized (ownIds) {
      return Set.copyOf(ownIds);
    }
  }

  private void ownConnection(long id) {
    synchronized (ownIds) {
      ownIds.addLast(id);
      while (ownIds.size() > OWN_IDS_KEPT) {
        ownIds.removeFirst();
      }
    }
  }

  public String lastError() {
    return lastError;
  }

  public long acksSent() {
    return acksSent;
  }

  public long transactions() {
    return transactions;
  }

  /**
   * Whether the master took the last session this capture logged in as a semi-sync replica (true
   * before the first). A session that is not one cannot ACK: the master found semi-sync off at login,
   * so it released commits without the cluster; its node treats that as a breach.
   */
  public boolean semiSync() {
    return semiSync;
  }

  private void connect() {
    if (stopped) {
      return;
    }
    GtidState from = tracker.confirmedState();
    client.connect(config.port(), config.host()).onFailure(e -> {
      fail("cannot connect to master " + config.host() + ":" + config.port() + ": " + e.getMessage());
      scheduleReconnect();
    }).compose(socket -> {
      PacketChannel ch = new PacketChannel(socket, MAX_PACKET);
      channel = ch;
      ch.onClose(() -> context.runOnContext(x -> connectionLost(ch, "connection to the master closed")));
      return MasterLogin.run(ch, config, from, this::ownConnection).onFailure(e -> {
        fail("cannot stream from master " + config.host() + ":" + config.port() + ": " + e.getMessage());
        ch.close();
      });
    }).onComplete(ar -> {
      if (ar.failed()) {
        return;
      }
      MasterLogin.Session s = ar.result();
      semiSync = s.semiSync();
      LOG.info("capture streaming from {}:{} after GTID '{}' (semi-sync {}, connection id {})", config.host(),
          config.port(), from, s.semiSync() ? "on" : "OFF: commits will not wait for the log", s.connectionId());
      startStream(s);
      firstStream.tryComplete();
    });
  }

  private void startStream(MasterLogin.Session s) {
    streamed = false;
    TransactionParser parser = new TransactionParser(s.checksummed(), "", SPOOL_ABOVE_BYTES, SPOOL_DIR);
    boolean[] groupNeedsAck = new boolean[1];
    // An ACK sent just before the last connection broke may never have arrived, and the master does
    // not resend what we resume after: ACK the confirmed position again once this dump is running.
    BinlogPosition reAck = s.semiSync() ? tracker.confirmedPosition() : null;
    boolean[] started = new boolean[1];
    long period = config.heartbeatMillis();
    SilenceWatch silence = new SilenceWatch(period * 1_000_000L, System.nanoTime());
    watchdog = vertx.setPeriodic(period, id -> {
      if (silence.tick(System.nanoTime())) {
        fail("no event or heartbeat from the master in " + SilenceWatch.SILENT_TICKS + " periods of " + period
            + " ms; reconnecting");
        vertx.cancelTimer(id);
        s.channel().close();
      }
    });
    s.channel().stream(p -> {
      silence.packet();
      if (!started[0]) {
        started[0] = true;
        if (p.firstByte() == 0) {
          streamed = true;
        }
        if (reAck != null && p.firstByte() == 0) {
          sendAck(s.channel(), reAck);
        }
      }
      try {
        onPacket(s, parser, groupNeedsAck, p);
      } catch (MalformedStreamException | IllegalStateException e) {
        fail("bad binlog stream from the master: " + e.getMessage() + "; reconnecting from the last confirmed GTID");
        s.channel().close();
      }
    });
  }

  private void onPacket(MasterLogin.Session s, TransactionParser parser, boolean[] groupNeedsAck, Packet p) {
    Buffer b = p.payload();
    int first = p.firstByte();
    if (first == ErrPacket.HEADER) {
      throw new IllegalStateException("the master ended the dump: " + ErrPacket.decode(b, MasterLogin.CAPABILITIES));
    }
    if (EofPacket.matches(b)) {
      throw new IllegalStateException("the master ended the dump with EOF");
    }
    if (first != 0) {
      throw new IllegalStateException(String.format("event packet starts with 0x%02X instead of 0x00", first));
    }
    int offset = 1;
    boolean needAck = false;
    if (s.semiSync()) {
      if (b.length() < 3 || b.getUnsignedByte(1) != SEMI_SYNC_HEADER) {
        throw new IllegalStateException("semi-sync event packet lacks its 0xEF header");
      }
      needAck = b.getUnsignedByte(2) != 0;
      offset = 3;
    }
    byte[] event = b.getBytes(offset, b.length());
    groupNeedsAck[0] |= needAck;
    Optional<Transaction> tx = parser.accept(event);
    if (tx.isEmpty()) {
      if (!parser.inTransaction()) {
        groupNeedsAck[0] = false;
      }
      return;
    }
    boolean ask = groupNeedsAck[0];
    groupNeedsAck[0] = false;
    LOG.debug("received {} ending at {}:{} (master asks for an ACK: {})", tx.get().gtid(), tx.get().sourceFile(),
        tx.get().sourceEndPos(), ask);
    transactions++;
    long ticket = tracker.received(tx.get(), ask);
    Future<?> appended = sink.append(tx.get());
    inFlight.add(appended);
    PacketChannel ch = s.channel();
    appended.onComplete(ar -> onContext(() -> {
      inFlight.remove(appended);
      if (tx.get().events() instanceof SpooledEvents spooled) {
        spooled.close();   // settled: the sink took what it needed (a resend after a failure re-reads the master)
      }
      if (ar.failed()) {
        tracker.failed(ticket);
        fail("the log refused transaction " + tx.get().gtid() + ": " + ar.cause().getMessage()
            + "; it is not ACKed and the capture restarts from " + tracker.confirmedState());
        ch.close();
        return;
      }
      tracker.confirmed(ticket).ifPresent(pos -> scheduleAck(ch, pos));
    }));
  }

  private void onContext(Runnable r) {
    if (Vertx.currentContext() == context) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }

  /**
   * ACKs are gathered until the current task ends: one ACK at the highest confirmed position
   * releases every commit up to it, so a read that completes many transactions costs one packet.
   */
  private void scheduleAck(PacketChannel ch, BinlogPosition pos) {
    boolean first = pendingAck == null;
    pendingAck = pos;
    if (first) {
      context.runOnContext(v -> {
        BinlogPosition p = pendingAck;
        pendingAck = null;
        if (p != null && !ch.closed()) {
          sendAck(ch, p);
        }
      });
    }
  }

  private void sendAck(PacketChannel ch, BinlogPosition pos) {
    byte[] name = pos.file().getBytes(StandardCharsets.ISO_8859_1);
    Buffer ack = new PayloadWriter(9 + name.length).int1(SEMI_SYNC_HEADER).int8(pos.position())
        .bytes(Buffer.buffer(name)).payload();
    acksSent++;
    // The ACK is a new command: sequence id 0 (shared/notes facts, section 4b).
    ch.write(0, ack);
    LOG.debug("ACK {}", pos);
  }

  private void connectionLost(PacketChannel ch, String why) {
    if (ch != channel) {
      return;
    }
    channel = null;
    if (watchdog >= 0) {
      vertx.cancelTimer(watchdog);
      watchdog = -1;
    }
    if (stopped) {
      return;
    }
    LOG.info("{}; {} transaction(s) still being made durable", why, inFlight.size());
    // Resume only once the sink settled what it was given: the restart point is its confirmed state.
    Future.join(new ArrayList<>(inFlight)).onComplete(ar -> context.runOnContext(v -> scheduleReconnect()));
  }

  /** Reconnects after the configured delay, doubling it (up to 10 s) while attempts keep failing. */
  private void scheduleReconnect() {
    if (stopped) {
      return;
    }
    failedAttempts = streamed ? 0 : failedAttempts + 1;
    streamed = false;
    long delay = Math.min(MAX_RECONNECT_DELAY_MS,
        config.reconnectDelayMillis() << Math.min(10, Math.max(0, failedAttempts - 1)));
    vertx.setTimer(delay, id -> connect());
  }

  private void fail(String message) {
    lastError = message;
    LOG.warn(message);
  }
}
