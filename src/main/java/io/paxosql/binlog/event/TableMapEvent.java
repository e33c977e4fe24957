package io.paxosql.binlog.event;

/**
 * Table_map (19): binds a table id to schema.table for the rows events that follow. Column types,
 * metadata and the null bitmap stay as raw bytes in {@code columnData}: nothing here interprets rows.
 */
public record TableMapEvent(long tableId, int flags, String schema, String table, long columnCount,
    byte[] columnData) implements EventBody {

  static TableMapEvent decode(BodyReader r) {
    long id = r.u48("table id");
    int flags = r.u16("flags");
    String schema = r.latin1(r.u8("schema length"), "schema");
    r.u8("schema terminator");
    String table = r.latin1(r.u8("table length"), "table");
    r.u8("table terminator");
    long columns = r.lenenc("column count");
    return new TableMapEvent(id, flags, schema, table, columns, r.rest());
  }

  @Override
  public int type() {
    return EventType.TABLE_MAP;
  }

  @Override
  public byte[] encode() {
    return new BodyWriter(16 + schema.length() + table.length() + columnData.length).u48(tableId).u16(flags)
        .u8(schema.length()).latin1(schema).u8(0).u8(table.length()).latin1(table).u8(0).lenenc(columnCount)
        .bytes(columnData).toArray();
  }
}
