package io.paxosql.binlog.event;

/**
 * Write/Update/Delete rows v1 (23/24/25). The header fields are parsed; the column bitmaps and row
 * images stay raw in {@code rowData}: the log and the binlog server only move them.
 */
public record RowsEvent(int type, long tableId, int flags, long columnCount, byte[] rowData) implements EventBody {
  /** STMT_END_F: the last rows event of a statement. */
  public static final int FLAG_STMT_END = 0x01;

  static RowsEvent decode(int type, BodyReader r) {
    long id = r.u48("table id");
    int flags = r.u16("flags");
    long columns = r.lenenc("column count");
    return new RowsEvent(type, id, flags, columns, r.rest());
  }

  @Override
  public byte[] encode() {
    return new BodyWriter(17 + rowData.length).u48(tableId).u16(flags).lenenc(columnCount).bytes(rowData).toArray();
  }
}
