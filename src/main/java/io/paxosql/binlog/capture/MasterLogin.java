package io.paxosql.binlog.capture;

import io.paxosql.binlog.GtidState;
import io.paxosql.binlog.net.PacketChannel;
import io.paxosql.mysql.AuthSwitchRequest;
import io.paxosql.mysql.Bytes;
import io.paxosql.mysql.Capabilities;
import io.paxosql.mysql.Command;
import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.HandshakeResponse41;
import io.paxosql.mysql.HandshakeV10;
import io.paxosql.mysql.NativePassword;
import io.paxosql.mysql.OkPacket;
import io.paxosql.mysql.Packet;
import io.paxosql.mysql.TextResultSet;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The client half of a replica's start: log in, send the queries a MariaDB 10.11 replica sends
 * (shared/notes/mariadb-captures/general_semisync_replica.log), register, and ask for the binlog
 * from a GTID position. Leaves the channel at the first event packet.
 */
public final class MasterLogin {
  static final long CAPABILITIES = Capabilities.CLIENT_MYSQL | Capabilities.LONG_FLAG | Capabilities.PROTOCOL_41
      | Capabilities.TRANSACTIONS | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH
      | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA;
  private static final int LATIN1 = 8;

  /** What the login settled: whether the master will ask for ACKs, and its thread id for us. */
  record Session(PacketChannel channel, boolean semiSync, boolean checksummed, long connectionId) {}

  private MasterLogin() {}

  /** Logs in with mysql_native_password; completes with the connection id the server gave us. */
  public static Future<Long> login(PacketChannel ch, String user, String password) {
    long[] connectionId = new long[1];
    return ch.read().compose(p -> {
      HandshakeV10 hs = HandshakeV10.decode(p.payload());
      connectionId[0] = hs.connectionId();
      byte[] seed = Arrays.copyOf(hs.scramble(), NativePassword.SEED_LENGTH);
      HandshakeResponse41 resp = new HandshakeResponse41(CAPABILITIES, 1 << 30, LATIN1, user,
          Bytes.of(NativePassword.scramble(password.getBytes(StandardCharsets.UTF_8), seed)), null,
          NativePassword.PLUGIN, Map.of());
      ch.write(p.nextSequenceId(), resp.encode());
      return ch.read();
    }).compose(p -> authResult(ch, user, password, p)).map(v -> connectionId[0]);
  }

  /** {@code loggedIn} hears the connection id before the dump is asked for, so its dump thread is known as ours. */
  static Future<Session> run(PacketChannel ch, CaptureConfig cfg, GtidState from, LongConsumer loggedIn) {
    long[] connectionId = new long[1];
    boolean[] semi = new boolean[1];
    boolean[] crc = new boolean[1];
    return login(ch, cfg.user(), cfg.password()).compose(id -> {
      connectionId[0] = id;
      loggedIn.accept(id);
      return query(ch, "SELECT UNIX_TIMESTAMP()");
    })
        .compose(v -> query(ch, "SHOW VARIABLES LIKE 'SERVER_ID'"))
        .compose(rs -> {
          if (!rs.rows().isEmpty() && String.valueOf(cfg.serverId()).equals(rs.rows().get(0).get(1))) {
            return Future.failedFuture(new IllegalStateException("the master's server_id is " + cfg.serverId()
                + ", the same as the capture's: give the capture a server id no MariaDB uses"));
          }
          return query(ch, "SET @master_heartbeat_period= " + cfg.heartbeatMillis() * 1_000_000L);
        })
        .compose(v -> query(ch, "SET @master_binlog_checksum= @@global.binlog_checksum"))
        .compose(v -> query(ch, "SELECT @master_binlog_checksum"))
        .compose(rs -> {
          String alg = rs.rows().isEmpty() ? null : rs.rows().get(0).get(0);
          crc[0] = alg != null && !alg.equalsIgnoreCase("NONE");
          return query(ch, "SET @mariadb_slave_capability=4");
        })
        .compose(v -> query(ch, "SELECT @@GLOBAL.gtid_domain_id"))
        .compose(v -> query(ch, "SET @slave_connect_state='" + from + "'"))
        .compose(v -> query(ch, "SET @slave_gtid_strict_mode=1"))
        .compose(v -> query(ch, "SET @slave_gtid_ignore_duplicates=0"))
        .compose(v -> command(ch, new Command.RegisterSlave(cfg.serverId(), "", "", "", 0, 0, 0).encode(),
            "COM_REGISTER_SLAVE"))
        .compose(v -> query(ch, "SHOW VARIABLES LIKE 'rpl_semi_sync_master_enabled'"))
        .compose(rs -> {
          semi[0] = !rs.rows().isEmpty() && "ON".equalsIgnoreCase(rs.rows().get(0).get(1));
          return semi[0] ? query(ch, "SET @rpl_semi_sync_slave= 1") : Future.succeededFuture();
        })
        .map(v -> {
          ch.write(0, new Command.BinlogDump(4, Command.BinlogDump.BINLOG_SEND_ANNOTATE_ROWS_EVENT, cfg.serverId(),
              Bytes.EMPTY).encode());
          return new Session(ch, semi[0], crc[0], connectionId[0]);
        });
  }

  private static Future<Void> authResult(PacketChannel ch, String user, String password, Packet p) {
    if (p.firstByte() == AuthSwitchRequest.HEADER && AuthSwitchRequest.matches(p.payload())) {
      AuthSwitchRequest sw = AuthSwitchRequest.decode(p.payload());
      if (!NativePassword.PLUGIN.equals(sw.pluginName())) {
        return Future.failedFuture(new IllegalStateException("the master wants auth plugin " + sw.pluginName()
            + " for user " + user + "; the capture speaks mysql_native_password only: create the user"
            + " IDENTIFIED WITH mysql_native_password"));
      }
      byte[] seed = Arrays.copyOf(sw.seed(), NativePassword.SEED_LENGTH);
      ch.write(p.nextSequenceId(),
          Buffer.buffer(NativePassword.scramble(password.getBytes(StandardCharsets.UTF_8), seed)));
      return ch.read().compose(next -> authResult(ch, user, password, next));
    }
    if (ErrPacket.matches(p.payload())) {
      return Future.failedFuture(new MasterRefusedException("login to the master as " + user + " failed: "
          + ErrPacket.decode(p.payload(), CAPABILITIES)));
    }
    if (!OkPacket.matches(p.payload())) {
      return Future.failedFuture(new IllegalStateException("unexpected packet after login: first byte "
          + p.firstByte()));
    }
    return Future.succeededFuture();
  }

  private static Future<Void> command(PacketChannel ch, Buffer payload, String what) {
    ch.write(0, payload);
    return ch.read().compose(p -> {
      if (ErrPacket.matches(p.payload())) {
        return Future.failedFuture(new MasterRefusedException(what + " failed: "
            + ErrPacket.decode(p.payload(), CAPABILITIES)));
      }
      return Future.succeededFuture();
    });
  }

  /** Sends a query; completes with its result set (empty for an OK). */
  public static Future<TextResultSet> query(PacketChannel ch, String sql) {
    ch.write(0, Command.Query.of(sql).encode());
    return ch.read().compose(first -> {
      if (ErrPacket.matches(first.payload())) {
        return Future.failedFuture(new MasterRefusedException("'" + sql + "' failed on the master: "
            + ErrPacket.decode(first.payload(), CAPABILITIES)));
      }
      if (OkPacket.matches(first.payload()) && first.firstByte() == OkPacket.HEADER) {
        return Future.succeededFuture(new TextResultSet(List.of(), List.of()));
      }
      TextResultSet.Reader reader = new TextResultSet.Reader();
      reader.accept(first.payload());
      return readRest(ch, reader);
    });
  }

  private static Future<TextResultSet> readRest(PacketChannel ch, TextResultSet.Reader reader) {
    return ch.read().compose(p -> reader.accept(p.payload())
        ? Future.succeededFuture(reader.result()) : readRest(ch, reader));
  }

  /** The master answered with an error; the message quotes it. */
  public static final class MasterRefusedException extends RuntimeException {
    MasterRefusedException(String message) {
      super(message);
    }
  }
}
