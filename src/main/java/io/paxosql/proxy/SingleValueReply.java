package io.paxosql.proxy;

import io.paxosql.mysql.Capabilities;
import io.paxosql.mysql.EofPacket;
import io.paxosql.mysql.ErrPacket;
import io.paxosql.mysql.PayloadReader;
import io.paxosql.mysql.ProtocolException;
import io.vertx.core.buffer.Buffer;

/**
 * Reads the server's answer to a query the proxy injected on a client's backend connection and
 * that returns one row of one column ({@code SELECT MASTER_GTID_WAIT(...)}), payload by payload,
 * with or without CLIENT_DEPRECATE_EOF. Pure; one per injected query.
 */
final class SingleValueReply {
  private enum State { FIRST, DEFINITIONS, DEFINITIONS_EOF, ROWS, DONE }

  /** The outcome: the value (null for SQL NULL), or the server's error. */
  record Outcome(String value, ErrPacket error) {}

  private final boolean deprecateEof;
  private State state = State.FIRST;
  private long definitions;
  private String value;
  private boolean haveRow;

  SingleValueReply(boolean deprecateEof) {
    this.deprecateEof = deprecateEof;
  }

  /** One whole payload from the server; returns the outcome once the reply is complete, else null. */
  Outcome accept(Buffer payload) {
    if (state == State.DONE) {
      throw new ProtocolException("packet after the end of the injected query's reply");
    }
    int h = payload.length() == 0 ? -1 : payload.getUnsignedByte(0);
    if (h == ErrPacket.HEADER) {
      if (payload.length() >= 3 && payload.getUnsignedShortLE(1) == 0xFFFF) {
        return null; // a MariaDB progress report, the reply goes on
      }
      return finish(new Outcome(null, ErrPacket.decode(payload, Capabilities.PROTOCOL_41)));
    }
    switch (state) {
      case FIRST -> {
        if (h == 0x00 || h == 0xFB) {
          throw new ProtocolException("the injected query answered with a packet starting 0x"
              + Integer.toHexString(h) + " instead of a result set");
        }
        definitions = new PayloadReader(payload).lenencInt();
        if (definitions != 1) {
          throw new ProtocolException("the injected query returned " + definitions + " columns, expected 1");
        }
        state = State.DEFINITIONS;
      }
      case DEFINITIONS -> {
        if (--definitions == 0) {
          state = deprecateEof ? State.ROWS : State.DEFINITIONS_EOF;
        }
      }
      case DEFINITIONS_EOF -> {
        if (!EofPacket.matches(payload)) {
          throw new ProtocolException("expected EOF after the injected query's column definition");
        }
        state = State.ROWS;
      }
      case ROWS -> {
        if (h == 0xFE && payload.length() < 0xFFFFFF && (deprecateEof || payload.length() < 9)) {
          if (!haveRow) {
            throw new ProtocolException("the injected query returned no row");
          }
          return finish(new Outcome(value, null));
        }
        PayloadReader r = new PayloadReader(payload);
        if (r.peek() == 0xFB) {
          value = null;
        } else {
          value = r.lenencString();
        }
        haveRow = true;
      }
      default -> throw new IllegalStateException(state.name());
    }
    return null;
  }

  boolean done() {
    return state == State.DONE;
  }

  private Outcome finish(Outcome o) {
    state = State.DONE;
    return o;
  }
}
