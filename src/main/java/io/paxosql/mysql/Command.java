package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.util.Objects;

/**
 * A client command: the first packet of each exchange after the handshake (sequence id 0). The
 * first payload byte says which command. Statement payloads and execute parameters stay opaque
 * bytes: nothing here needs their inner structure, and keeping them raw makes round trips exact.
 */
public sealed interface Command {
  int COM_SLEEP = 0x00;
  int COM_QUIT = 0x01;
  int COM_INIT_DB = 0x02;
  int COM_QUERY = 0x03;
  int COM_FIELD_LIST = 0x04;
  int COM_CREATE_DB = 0x05;
  int COM_DROP_DB = 0x06;
  int COM_REFRESH = 0x07;
  int COM_SHUTDOWN = 0x08;
  int COM_STATISTICS = 0x09;
  int COM_PROCESS_INFO = 0x0A;
  int COM_CONNECT = 0x0B;
  int COM_PROCESS_KILL = 0x0C;
  int COM_DEBUG = 0x0D;
  int COM_PING = 0x0E;
  int COM_CHANGE_USER = 0x11;
  int COM_BINLOG_DUMP = 0x12;
  int COM_REGISTER_SLAVE = 0x15;
  int COM_STMT_PREPARE = 0x16;
  int COM_STMT_EXECUTE = 0x17;
  int COM_STMT_SEND_LONG_DATA = 0x18;
  int COM_STMT_CLOSE = 0x19;
  int COM_STMT_RESET = 0x1A;
  int COM_SET_OPTION = 0x1B;
  int COM_STMT_FETCH = 0x1C;
  int COM_RESET_CONNECTION = 0x1F;
  int COM_STMT_BULK_EXECUTE = 0xFA;

  /** The command byte. */
  int code();

  /** The payload, command byte first. */
  Buffer encode();

  /** Decodes a command payload; unknown command bytes become {@link Other}. */
  static Command decode(Buffer payload) {
    if (payload.length() == 0) {
      throw new ProtocolException("empty command packet: a command needs at least its command byte");
    }
    PayloadReader r = new PayloadReader(payload);
    int code = r.int1();
    Command c = switch (code) {
      case COM_QUIT -> new Quit();
      case COM_PING -> new Ping();
      case COM_INIT_DB -> new InitDb(r.restString());
      case COM_QUERY -> new Query(r.restBytes());
      case COM_STMT_PREPARE -> new StmtPrepare(r.restBytes());
      case COM_STMT_EXECUTE -> new StmtExecute(r.int4(), r.int1(), r.int4(), r.restBytes());
      case COM_STMT_CLOSE -> new StmtClose(r.int4());
      case COM_REGISTER_SLAVE -> new RegisterSlave(r.int4(), r.bytes(r.int1()).utf8(),
          r.bytes(r.int1()).utf8(), r.bytes(r.int1()).utf8(), r.int2(), r.int4(), r.int4());
      case COM_BINLOG_DUMP -> new BinlogDump(r.int4(), r.int2(), r.int4(), r.restBytes());
      default -> new Other(code, r.restBytes());
    };
    r.expectEnd(name(code));
    return c;
  }

  /** True for commands the server never answers, so no response is awaited after them. */
  static boolean expectsNoResponse(int code) {
    return code == COM_QUIT || code == COM_STMT_CLOSE || code == COM_STMT_SEND_LONG_DATA;
  }

  /** "COM_QUERY" etc., for logs and error messages. */
  static String name(int code) {
    return switch (code) {
      case COM_SLEEP -> "COM_SLEEP";
      case COM_QUIT -> "COM_QUIT";
      case COM_INIT_DB -> "COM_INIT_DB";
      case COM_QUERY -> "COM_QUERY";
      case COM_FIELD_LIST -> "COM_FIELD_LIST";
      case COM_CREATE_DB -> "COM_CREATE_DB";
      case COM_DROP_DB -> "COM_DROP_DB";
      case COM_REFRESH -> "COM_REFRESH";
      case COM_SHUTDOWN -> "COM_SHUTDOWN";
      case COM_STATISTICS -> "COM_STATISTICS";
      case COM_PROCESS_INFO -> "COM_PROCESS_INFO";
      case COM_CONNECT -> "COM_CONNECT";
      case COM_PROCESS_KILL -> "COM_PROCESS_KILL";
      case COM_DEBUG -> "COM_DEBUG";
      case COM_PING -> "COM_PING";
      case COM_CHANGE_USER -> "COM_CHANGE_USER";
      case COM_BINLOG_DUMP -> "COM_BINLOG_DUMP";
      case COM_REGISTER_SLAVE -> "COM_REGISTER_SLAVE";
      case COM_STMT_PREPARE -> "COM_STMT_PREPARE";
      case COM_STMT_EXECUTE -> "COM_STMT_EXECUTE";
      case COM_STMT_SEND_LONG_DATA -> "COM_STMT_SEND_LONG_DATA";
      case COM_STMT_CLOSE -> "COM_STMT_CLOSE";
      case COM_STMT_RESET -> "COM_STMT_RESET";
      case COM_SET_OPTION -> "COM_SET_OPTION";
      case COM_STMT_FETCH -> "COM_STMT_FETCH";
      case COM_RESET_CONNECTION -> "COM_RESET_CONNECTION";
      case COM_STMT_BULK_EXECUTE -> "COM_STMT_BULK_EXECUTE";
      default -> String.format("COM_0x%02X", code);
    };
  }

  record Quit() implements Command {
    public int code() {
      return COM_QUIT;
    }

    public Buffer encode() {
      return new PayloadWriter(1).int1(COM_QUIT).payload();
    }
  }

  record Ping() implements Command {
    public int code() {
      return COM_PING;
    }

    public Buffer encode() {
      return new PayloadWriter(1).int1(COM_PING).payload();
    }
  }

  /** Changes the default schema; the server answers OK or ERR. */
  record InitDb(String schema) implements Command {
    public InitDb {
      Objects.requireNonNull(schema, "schema");
    }

    public int code() {
      return COM_INIT_DB;
    }

    public Buffer encode() {
      return new PayloadWriter(1 + schema.length()).int1(COM_INIT_DB).restString(schema).payload();
    }
  }

  /** A text-protocol statement (or several, with MULTI_STATEMENTS); bytes as sent. */
  record Query(Bytes sql) implements Command {
    public Query {
      Objects.requireNonNull(sql, "sql");
    }

    public static Query of(String sql) {
      return new Query(Bytes.utf8(sql));
    }

    public String text() {
      return sql.utf8();
    }

    public int code() {
      return COM_QUERY;
    }

    public Buffer encode() {
      return new PayloadWriter(1 + sql.length()).int1(COM_QUERY).bytes(sql).payload();
    }
  }

  record StmtPrepare(Bytes sql) implements Command {
    public StmtPrepare {
      Objects.requireNonNull(sql, "sql");
    }

    public int code() {
      return COM_STMT_PREPARE;
    }

    public Buffer encode() {
      return new PayloadWriter(1 + sql.length()).int1(COM_STMT_PREPARE).bytes(sql).payload();
    }
  }

  /**
   * Executes a prepared statement; {@code parameters} (NULL bitmap, types, values) needs the
   * statement's parameter count to parse, so it stays raw.
   */
  record StmtExecute(long statementId, int flags, long iterationCount, Bytes parameters)
      implements Command {
    public StmtExecute {
      Objects.requireNonNull(parameters, "parameters");
    }

    public int code() {
      return COM_STMT_EXECUTE;
    }

    public Buffer encode() {
      return new PayloadWriter(10 + parameters.length()).int1(COM_STMT_EXECUTE).int4(statementId)
          .int1(flags).int4(iterationCount).bytes(parameters).payload();
    }
  }

  /** Frees a prepared statement; the server sends no response. */
  record StmtClose(long statementId) implements Command {
    public int code() {
      return COM_STMT_CLOSE;
    }

    public Buffer encode() {
      return new PayloadWriter(5).int1(COM_STMT_CLOSE).int4(statementId).payload();
    }
  }

  /** A replica announcing itself to its master before COM_BINLOG_DUMP. */
  record RegisterSlave(long serverId, String host, String user, String password, int port,
      long rank, long masterId) implements Command {
    public RegisterSlave {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
    }

    public int code() {
      return COM_REGISTER_SLAVE;
    }

    public Buffer encode() {
      PayloadWriter w = new PayloadWriter(18 + host.length() + user.length() + password.length());
      w.int1(COM_REGISTER_SLAVE).int4(serverId);
      for (String s : new String[] {host, user, password}) {
        Bytes b = Bytes.utf8(s);
        if (b.length() > 255) {
          throw new IllegalArgumentException("COM_REGISTER_SLAVE fields hold at most 255 bytes, got "
              + b.length());
        }
        w.int1(b.length()).bytes(b);
      }
      return w.int2(port).int4(rank).int4(masterId).payload();
    }
  }

  /**
   * Asks for the binlog stream. MariaDB replicas using GTID send position 4, an empty file name,
   * and their GTID position earlier in {@code SET @slave_connect_state=...}.
   */
  record BinlogDump(long position, int flags, long serverId, Bytes filename) implements Command {
    /** Flag: return EOF instead of blocking at the end of the binlog. */
    public static final int BINLOG_DUMP_NON_BLOCK = 0x01;
    /** MariaDB flag: the replica sends annotate events. */
    public static final int BINLOG_SEND_ANNOTATE_ROWS_EVENT = 0x02;

    public BinlogDump {
      Objects.requireNonNull(filename, "filename");
    }

    public int code() {
      return COM_BINLOG_DUMP;
    }

    public Buffer encode() {
      return new PayloadWriter(11 + filename.length()).int1(COM_BINLOG_DUMP).int4(position)
          .int2(flags).int4(serverId).bytes(filename).payload();
    }
  }

  /** Any other command: its byte and the body as sent. */
  record Other(int code, Bytes body) implements Command {
    public Other {
      Objects.requireNonNull(body, "body");
      if (code < 0 || code > 255) {
        throw new IllegalArgumentException("command byte must be 0-255, got " + code);
      }
    }

    public Buffer encode() {
      return new PayloadWriter(1 + body.length()).int1(code).bytes(body).payload();
    }
  }
}
