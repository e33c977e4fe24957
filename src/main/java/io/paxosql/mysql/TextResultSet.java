package io.paxosql.mysql;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A text-protocol result set of string columns, as a server sends it to a client without
 * DEPRECATE_EOF: column count, one ColumnDefinition41 per column, EOF, rows, EOF. Enough for a
 * server that answers SELECT / SHOW with strings, and for a client that reads such answers.
 *
 * @param rows each row one cell per column; a null cell is SQL NULL
 */
public record TextResultSet(List<String> columns, List<List<String>> rows) {
  private static final int TYPE_VAR_STRING = 0xFD;
  private static final int UTF8MB4_GENERAL_CI = 45;
  private static final int NULL_CELL = 0xFB;

  public TextResultSet {
    columns = List.copyOf(columns);
    List<List<String>> copy = new ArrayList<>(rows.size());
    for (List<String> r : rows) {
      if (r.size() != columns.size()) {
        throw new IllegalArgumentException("row has " + r.size() + " cells for " + columns.size() + " columns");
      }
      copy.add(Collections.unmodifiableList(new ArrayList<>(r)));
    }
    rows = List.copyOf(copy);
  }

  /** The payloads in order; the caller numbers them from the sequence id after the command. */
  public List<Buffer> encode(int statusFlags) {
    List<Buffer> out = new ArrayList<>(columns.size() + rows.size() + 3);
    out.add(new PayloadWriter(9).lenencInt(columns.size()).payload());
    for (String c : columns) {
      out.add(new PayloadWriter(32 + 2 * c.length()).lenencString("def").lenencString("").lenencString("")
          .lenencString("").lenencString(c).lenencString(c).lenencInt(0x0C).int2(UTF8MB4_GENERAL_CI)
          .int4(1024).int1(TYPE_VAR_STRING).int2(0).int1(0).int2(0).payload());
    }
    out.add(new EofPacket(0, statusFlags).encode());
    for (List<String> r : rows) {
      PayloadWriter w = new PayloadWriter(64);
      for (String cell : r) {
        if (cell == null) {
          w.int1(NULL_CELL);
        } else {
          w.lenencString(cell);
        }
      }
      out.add(w.payload());
    }
    out.add(new EofPacket(0, statusFlags).encode());
    return out;
  }

  /**
   * Reads a result set packet by packet, from the column-count packet on. Column names are taken
   * from each definition's name field; {@link #accept} returns true after the closing EOF.
   */
  public static final class Reader {
    private int columnCount = -1;
    private final List<String> columns = new ArrayList<>();
    private final List<List<String>> rows = new ArrayList<>();
    private boolean definitionsDone;

    public boolean accept(Buffer payload) {
      if (columnCount < 0) {
        columnCount = (int) new PayloadReader(payload).lenencInt();
        return false;
      }
      if (!definitionsDone) {
        if (EofPacket.matches(payload)) {
          if (columns.size() != columnCount) {
            throw new ProtocolException("result set announced " + columnCount + " columns but defined "
                + columns.size());
          }
          definitionsDone = true;
          return false;
        }
        PayloadReader r = new PayloadReader(payload);
        for (int i = 0; i < 4; i++) {
          r.lenencBytes();
        }
        columns.add(r.lenencString());
        return false;
      }
      if (EofPacket.matches(payload)) {
        return true;
      }
      if (ErrPacket.matches(payload)) {
        throw new ProtocolException("result set ended with " + ErrPacket.decode(payload, 0));
      }
      PayloadReader r = new PayloadReader(payload);
      List<String> row = new ArrayList<>(columnCount);
      for (int i = 0; i < columnCount; i++) {
        if (r.peek() == NULL_CELL) {
          r.skip(1);
          row.add(null);
        } else {
          row.add(r.lenencString());
        }
      }
      rows.add(row);
      return false;
    }

    public TextResultSet result() {
      return new TextResultSet(columns, rows);
    }
  }
}
