package io.paxosql.proxy;

import io.paxosql.mysql.Command;
import io.paxosql.mysql.PayloadReader;
import io.paxosql.mysql.ServerStatus;

/**
 * The shape of the server's response to the command a {@link SessionTracker} follows: OK/ERR, result
 * sets with or without EOF, prepared statements, LOCAL INFILE, multi-results, from each packet's header
 * byte and length and a few prefix bytes. The session keeps the command, the capabilities, the sequence
 * ids and the pipelined commands; this part tells it when the response ended ({@link SessionTracker#finish})
 * and what status the server reported. Pure, one per session.
 */
final class ResponseTracker {

  /** Where the response to the current command is. */
  enum Response {
    IDLE, FIRST, COLUMN_DEFS, COLUMNS_EOF, ROWS, PARAM_DEFS, PARAMS_EOF, PREPARED_COLUMN_DEFS,
    PREPARED_COLUMNS_EOF, LOCAL_INFILE, FIELD_LIST, STREAM
  }

  private final SessionTracker session;
  /** Read and set by the session too: it starts a command's response and ends it. */
  Response state = Response.IDLE;
  private long remainingDefinitions;
  private int preparedColumns;

  ResponseTracker(SessionTracker session) {
    this.session = session;
  }

  /**
   * A server packet of the response in flight (not a progress report; its sequence id already checked),
   * with header byte {@code h} (-1 for an empty packet).
   */
  void onPacket(int h, long length, byte[] prefix, int n) {
    switch (state) {
      case FIRST -> onFirstResponsePacket(h, length, prefix, n);
      case COLUMN_DEFS -> {
        if (--remainingDefinitions == 0) {
          state = session.deprecateEof() ? Response.ROWS : Response.COLUMNS_EOF;
        }
      }
      case COLUMNS_EOF -> {
        if (isEof(h, length)) {
          int status = eofStatus(prefix, n);
          if ((status & ServerStatus.CURSOR_EXISTS) != 0) {
            session.finish();
          } else {
            state = Response.ROWS;
          }
        } else {
          session.anomaly("expected EOF after column definitions, got a packet starting 0x"
              + Integer.toHexString(h));
          state = Response.ROWS;
        }
      }
      case ROWS -> {
        if (h == 0xFF) {
          session.finish();
        } else if (isTerminator(h, length)) {
          endOfResult(session.deprecateEof() ? okStatus(prefix, n) : eofStatus(prefix, n));
        }
      }
      case FIELD_LIST -> {
        if (h == 0xFF || isTerminator(h, length)) {
          session.finish();
        }
      }
      case PARAM_DEFS -> {
        if (--remainingDefinitions == 0) {
          if (session.deprecateEof()) {
            afterParams();
          } else {
            state = Response.PARAMS_EOF;
          }
        }
      }
      case PARAMS_EOF -> afterParams();
      case PREPARED_COLUMN_DEFS -> {
        if (--remainingDefinitions == 0) {
          if (session.deprecateEof()) {
            session.finish();
          } else {
            state = Response.PREPARED_COLUMNS_EOF;
          }
        }
      }
      case PREPARED_COLUMNS_EOF -> session.finish();
      default -> session.anomaly("server packet in unexpected state " + state);
    }
  }

  private void onFirstResponsePacket(int h, long length, byte[] prefix, int n) {
    if (h == 0xFF) {
      session.finish();
      return;
    }
    if (h == 0x00 && session.command == Command.COM_STMT_PREPARE) {
      if (n < 9) {
        session.anomaly("COM_STMT_PREPARE OK shorter than 9 bytes");
        session.finish();
        return;
      }
      preparedColumns = (prefix[5] & 0xFF) | (prefix[6] & 0xFF) << 8;
      int params = (prefix[7] & 0xFF) | (prefix[8] & 0xFF) << 8;
      if (params > 0) {
        remainingDefinitions = params;
        state = Response.PARAM_DEFS;
      } else {
        afterParams();
      }
      return;
    }
    if (h == 0x00 || (h == 0xFE && session.command == Command.COM_CHANGE_USER)) {
      session.commandSucceeded();
      endOfResult(okStatus(prefix, n));
      return;
    }
    if (h == 0xFB) {
      state = Response.LOCAL_INFILE;
      return;
    }
    if (session.command == Command.COM_STATISTICS) {
      session.finish();
      return;
    }
    if (session.command == Command.COM_STMT_FETCH) {
      state = Response.ROWS;
      onResponsePacketInRows(h, length, prefix, n);
      return;
    }
    // Read from the prefix in place: this runs for every result set, so no buffer and no exception.
    long columns = PayloadReader.lenencIntAt(prefix, 0, n);
    if (columns <= 0) {
      session.anomaly("unexpected first response packet 0x" + Integer.toHexString(h) + " to "
          + Command.name(session.command));
      session.finish();
      return;
    }
    boolean metadataFollows = true;
    if (session.cacheMetadata && session.command == Command.COM_STMT_EXECUTE) {
      int at = PayloadReader.lenencSize(h);
      metadataFollows = at < n && prefix[at] != 0;
    }
    if (metadataFollows) {
      remainingDefinitions = columns;
      state = Response.COLUMN_DEFS;
    } else {
      // Skipped (cached) definitions still end with their EOF unless EOFs are deprecated: taking that
      // EOF for the end of the rows ended the response one packet early (seen with sysbench's
      // prepared statements, one anomaly per statement).
      state = session.deprecateEof() ? Response.ROWS : Response.COLUMNS_EOF;
    }
  }

  private void onResponsePacketInRows(int h, long length, byte[] prefix, int n) {
    if (h == 0xFF) {
      session.finish();
    } else if (isTerminator(h, length)) {
      endOfResult(session.deprecateEof() ? okStatus(prefix, n) : eofStatus(prefix, n));
    }
  }

  private void afterParams() {
    if (preparedColumns > 0) {
      remainingDefinitions = preparedColumns;
      state = Response.PREPARED_COLUMN_DEFS;
    } else {
      session.finish();
    }
  }

  private void endOfResult(int status) {
    session.statusSeen(status);
    if ((status & ServerStatus.MORE_RESULTS_EXISTS) != 0) {
      state = Response.FIRST;
    } else {
      session.finish();
    }
  }

  private boolean isEof(int h, long length) {
    return h == 0xFE && length < 9;
  }

  private boolean isTerminator(int h, long length) {
    return h == 0xFE && (session.deprecateEof() ? length < 0xFFFFFF : length < 9);
  }

  private static int eofStatus(byte[] p, int n) {
    return n >= 5 ? (p[3] & 0xFF) | (p[4] & 0xFF) << 8 : 0;
  }

  /**
   * An OK packet's status flags: after the header byte, affected rows and last insert id (lenenc);
   * 0 when the prefix ends before them. Read in place, as it runs for every statement.
   */
  private static int okStatus(byte[] p, int n) {
    int at = 1;
    for (int i = 0; i < 2; i++) {
      int size = at < n ? PayloadReader.lenencSize(p[at] & 0xFF) : -1;
      if (size < 0) {
        return 0;
      }
      at += size;
    }
    return at + 1 < n ? (p[at] & 0xFF) | (p[at + 1] & 0xFF) << 8 : 0;
  }
}
