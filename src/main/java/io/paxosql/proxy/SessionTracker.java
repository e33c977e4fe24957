package io.paxosql.proxy;

import io.paxosql.mysql.Capabilities;
import io.paxosql.mysql.Command;
import io.paxosql.mysql.HandshakeResponse41;
import io.paxosql.mysql.HandshakeV10;
import io.paxosql.mysql.ProtocolException;
import io.paxosql.mysql.ServerStatus;
import io.paxosql.proxy.ResponseTracker.Response;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Follows one proxied MySQL session packet by packet, from the packet boundaries and payload
 * prefixes the relay's scanning framers report: handshake and authentication, then each command
 * and the shape of its response (OK/ERR, result sets with or without EOF, prepared statements,
 * LOCAL INFILE, multi-results: {@link ResponseTracker}), the sequence ids, and the current schema
 * (from the handshake response, COM_INIT_DB once the server says OK, and COM_CHANGE_USER).
 *
 * <p>It never throws and never changes the bytes: what it cannot follow is counted as an anomaly
 * and tracking resumes at the next command. Pure: no I/O, not thread-safe (one per connection).
 */
public final class SessionTracker {

  /** Where the session is. */
  public enum Phase {
    /** Waiting for the server greeting and the client's handshake response. */
    HANDSHAKE,
    /** Authentication exchange until the server's OK or ERR. */
    AUTH,
    /** Commands and responses. */
    COMMAND,
    /** TLS or compression took over: bytes are relayed without parsing. */
    OPAQUE,
    /** The session ended (COM_QUIT, or an ERR during the handshake). */
    CLOSED
  }

  /** Payload bytes the client framer must keep: enough for a handshake response. */
  public static final int CLIENT_PREFIX_HANDSHAKE = 2048;
  /** Enough for a command byte and a schema name (64 characters of up to 4 bytes). */
  public static final int CLIENT_PREFIX_COMMAND = 300;
  /** Enough for the greeting; afterwards the server's prefixes need only a few bytes. */
  public static final int SERVER_PREFIX_HANDSHAKE = 512;
  public static final int SERVER_PREFIX_COMMAND = 32;

  private Phase phase = Phase.HANDSHAKE;
  private long serverCapabilities;
  private long clientCapabilities;
  private boolean deprecateEof;
  /** Read by {@link ResponseTracker}: an execute may skip the column definitions it sent before. */
  boolean cacheMetadata;
  private String schema;
  private String pendingSchema;
  /** The command whose response is followed (read by {@link ResponseTracker}). */
  int command = -1;
  private final ResponseTracker responses = new ResponseTracker(this);
  private final ArrayDeque<Pending> pipelined = new ArrayDeque<>();
  private int nextSequenceId;
  private int lastStatus = ServerStatus.AUTOCOMMIT;
  private long commands;
  private long anomalies;
  private String lastAnomaly;

  public Phase phase() {
    return phase;
  }

  /** The current default schema, or null when none is selected (or it is unknown). */
  public String schema() {
    return schema;
  }

  /** The command whose response is still coming, or -1 when the session is idle. */
  public int commandInFlight() {
    return responses.state == Response.IDLE ? -1 : command;
  }

  /** True between commands: nothing is in flight in either direction. */
  public boolean idle() {
    return phase == Phase.COMMAND && responses.state == Response.IDLE && pipelined.isEmpty();
  }

  /** True when the last OK/EOF said a transaction is open (IN_TRANS). */
  public boolean inTransaction() {
    return (lastStatus & ServerStatus.IN_TRANS) != 0;
  }

  /** True when the server waits for more client packets (LOCAL INFILE data, authentication). */
  public boolean expectsClientData() {
    return phase == Phase.AUTH || phase == Phase.COMMAND && responses.state == Response.LOCAL_INFILE;
  }

  /** Both sides agreed on CLIENT_DEPRECATE_EOF: result sets end with an OK (0xFE) packet. */
  public boolean deprecateEof() {
    return deprecateEof;
  }

  /** Sequence id the next packet of the current exchange should carry. */
  public int nextSequenceId() {
    return nextSequenceId;
  }

  public long commands() {
    return commands;
  }

  public long anomalies() {
    return anomalies;
  }

  public String lastAnomaly() {
    return lastAnomaly;
  }

  /** Capabilities both sides agreed on (0 until the handshake response was seen). */
  public long agreedCapabilities() {
    return serverCapabilities & clientCapabilities;
  }

  /** A whole packet from the client. Returns true when the stream stops being framed packets. */
  public boolean onClientPacket(int seq, int lastSeq, long length, byte[] prefix, int n) {
    switch (phase) {
      case HANDSHAKE -> {
        checkSequence("client", seq, lastSeq);
        return onHandshakeResponse(length, prefix, n);
      }
      case AUTH -> checkSequence("client", seq, lastSeq);
      case COMMAND -> onCommandPhaseClientPacket(seq, lastSeq, length, prefix, n);
      default -> { }
    }
    return false;
  }

  /** A whole packet from the server. */
  public void onServerPacket(int seq, int lastSeq, long length, byte[] prefix, int n) {
    switch (phase) {
      case HANDSHAKE -> onGreeting(seq, lastSeq, length, prefix, n);
      case AUTH -> {
        checkSequence("server", seq, lastSeq);
        int h = n > 0 ? prefix[0] & 0xFF : -1;
        if (h == 0x00) {
          phase = Phase.COMMAND;
          responses.state = Response.IDLE;
        } else if (h == 0xFF) {
          phase = Phase.CLOSED;
        }
      }
      case COMMAND -> onResponsePacket(seq, lastSeq, length, prefix, n);
      default -> { }
    }
  }

  private void onGreeting(int seq, int lastSeq, long length, byte[] prefix, int n) {
    checkSequence("server", seq, lastSeq);
    if (n > 0 && (prefix[0] & 0xFF) == 0xFF) {
      phase = Phase.CLOSED;
      return;
    }
    if (n < length) {
      anomaly("server greeting of " + length + " bytes is longer than the tracked prefix");
      return;
    }
    try {
      serverCapabilities = HandshakeV10.decode(Buffer.buffer(Arrays.copyOf(prefix, n))).capabilities();
    } catch (ProtocolException e) {
      anomaly("unreadable server greeting: " + e.getMessage());
    }
  }

  private boolean onHandshakeResponse(long length, byte[] prefix, int n) {
    if (n >= 4) {
      clientCapabilities = (prefix[0] & 0xFF) | (prefix[1] & 0xFF) << 8 | (prefix[2] & 0xFF) << 16
          | (long) (prefix[3] & 0xFF) << 24;
    }
    if (length == 32 && Capabilities.has(clientCapabilities, Capabilities.SSL)) {
      phase = Phase.OPAQUE;
      return true;
    }
    if (n < length) {
      anomaly("handshake response of " + length + " bytes is longer than the tracked prefix");
    } else {
      try {
        HandshakeResponse41 r = HandshakeResponse41.decode(Buffer.buffer(Arrays.copyOf(prefix, n)));
        clientCapabilities = r.capabilities();
        schema = r.database() == null || r.database().isEmpty() ? null : r.database();
      } catch (ProtocolException e) {
        anomaly("unreadable handshake response: " + e.getMessage());
      }
    }
    long agreed = agreedCapabilities();
    deprecateEof = Capabilities.has(agreed, Capabilities.DEPRECATE_EOF);
    cacheMetadata = Capabilities.has(agreed, Capabilities.MARIADB_CACHE_METADATA);
    if (Capabilities.has(agreed, Capabilities.COMPRESS)) {
      phase = Phase.OPAQUE;
      return true;
    }
    phase = Phase.AUTH;
    return false;
  }

  private void onCommandPhaseClientPacket(int seq, int lastSeq, long length, byte[] prefix, int n) {
    if (responses.state == Response.LOCAL_INFILE) {
      checkSequence("client", seq, lastSeq);
      if (length == 0) {
        responses.state = Response.FIRST;
      }
      return;
    }
    if (responses.state == Response.STREAM) {
      // A replica's semi-sync ACKs (0xEF) travel upstream during the binlog stream.
      return;
    }
    if (seq != 0) {
      anomaly("command packet has sequence id " + seq + ", expected 0");
    }
    if (n == 0) {
      anomaly("empty command packet");
      return;
    }
    commands++;
    int code = prefix[0] & 0xFF;
    String schemaArgument = null;
    if (code == Command.COM_INIT_DB) {
      schemaArgument = n == length ? new String(prefix, 1, n - 1, StandardCharsets.UTF_8) : null;
      if (schemaArgument == null) {
        anomaly("COM_INIT_DB of " + length + " bytes is longer than the tracked prefix");
      }
    } else if (code == Command.COM_CHANGE_USER) {
      schemaArgument = changeUserSchema(prefix, n, length);
    }
    Pending p = new Pending(code, lastSeq, schemaArgument);
    if (Command.expectsNoResponse(code)) {
      if (code == Command.COM_QUIT) {
        phase = Phase.CLOSED;
      }
      return;
    }
    // Clients such as Connector/J pipeline commands (prepare + execute) before any response.
    if (responses.state == Response.IDLE) {
      begin(p);
    } else {
      pipelined.add(p);
    }
  }

  private record Pending(int code, int lastSeq, String schema) {}

  private void begin(Pending p) {
    command = p.code();
    nextSequenceId = (p.lastSeq() + 1) & 0xFF;
    pendingSchema = p.schema();
    switch (command) {
      case Command.COM_CHANGE_USER -> {
        phase = Phase.AUTH;
        responses.state = Response.IDLE;
        schema = pendingSchema;
      }
      case Command.COM_BINLOG_DUMP -> responses.state = Response.STREAM;
      case Command.COM_FIELD_LIST -> responses.state = Response.FIELD_LIST;
      default -> responses.state = Response.FIRST;
    }
  }

  /** The response to the current command is complete; start following the next pipelined one. */
  void finish() {
    responses.state = Response.IDLE;
    Pending next = pipelined.poll();
    if (next != null) {
      begin(next);
    }
  }

  private String changeUserSchema(byte[] prefix, int n, long length) {
    if (n < length) {
      return null;
    }
    int p = 1;
    while (p < n && prefix[p] != 0) {
      p++;
    }
    p++;
    if (p >= n) {
      return null;
    }
    int authLength = prefix[p] & 0xFF;
    p += 1 + authLength;
    int start = p;
    while (p < n && prefix[p] != 0) {
      p++;
    }
    if (p >= n || p == start) {
      return null;
    }
    return new String(prefix, start, p - start, StandardCharsets.UTF_8);
  }

  private void onResponsePacket(int seq, int lastSeq, long length, byte[] prefix, int n) {
    if (responses.state == Response.STREAM) {
      nextSequenceId = (lastSeq + 1) & 0xFF;
      return;
    }
    if (responses.state == Response.IDLE) {
      anomaly("server sent a " + length + "-byte packet while no command was in flight");
      nextSequenceId = (lastSeq + 1) & 0xFF;
      return;
    }
    checkSequence("server", seq, lastSeq);
    int h = n > 0 ? prefix[0] & 0xFF : -1;
    if (h == 0xFF && n >= 3 && prefix[1] == (byte) 0xFF && prefix[2] == (byte) 0xFF) {
      // MariaDB progress report (an ERR with code 0xFFFF): the response goes on.
      return;
    }
    responses.onPacket(h, length, prefix, n);
  }

  /** The first response packet was an OK: a COM_INIT_DB took effect. */
  void commandSucceeded() {
    if (command == Command.COM_INIT_DB) {
      schema = pendingSchema;
    }
  }

  /** The status flags of an OK or EOF that ended a result. */
  void statusSeen(int status) {
    lastStatus = status;
  }

  private void checkSequence(String side, int seq, int lastSeq) {
    if (seq != nextSequenceId) {
      anomaly(side + " packet has sequence id " + seq + ", expected " + nextSequenceId);
    }
    nextSequenceId = (lastSeq + 1) & 0xFF;
  }

  void anomaly(String what) {
    anomalies++;
    lastAnomaly = what;
  }
}
