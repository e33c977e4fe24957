package io.paxosql.binlog.event;

import java.nio.charset.StandardCharsets;

/** Query (2): a statement (DDL, or BEGIN/COMMIT around non-transactional changes) with its session status. */
public record QueryEvent(long threadId, long execTime, int errorCode, byte[] statusVars, String schema,
    byte[] query) implements EventBody {

  static QueryEvent decode(BodyReader r) {
    long thread = r.u32("thread id");
    long exec = r.u32("exec time");
    int dbLen = r.u8("schema length");
    int error = r.u16("error code");
    int statusLen = r.u16("status vars length");
    byte[] status = r.bytes(statusLen, "status vars");
    String db = r.latin1(dbLen, "schema");
    if (r.u8("schema terminator") != 0) {
      throw new EventFormatException("Query event: schema name is not NUL-terminated");
    }
    return new QueryEvent(thread, exec, error, status, db, r.rest());
  }

  /** The statement text; MariaDB writes it in the session's character set, UTF-8 in practice. */
  public String sql() {
    return new String(query, StandardCharsets.UTF_8);
  }

  @Override
  public int type() {
    return EventType.QUERY;
  }

  @Override
  public byte[] encode() {
    byte[] db = schema.getBytes(StandardCharsets.ISO_8859_1);
    return new BodyWriter(13 + statusVars.length + db.length + 1 + query.length).u32(threadId).u32(execTime)
        .u8(db.length).u16(errorCode).u16(statusVars.length).bytes(statusVars).bytes(db).u8(0).bytes(query)
        .toArray();
  }
}
