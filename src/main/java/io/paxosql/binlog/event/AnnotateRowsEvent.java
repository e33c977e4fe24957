package io.paxosql.binlog.event;

import java.nio.charset.StandardCharsets;

/** Annotate_rows (160): the statement text behind the rows events that follow. */
public record AnnotateRowsEvent(byte[] query) implements EventBody {
  static AnnotateRowsEvent decode(BodyReader r) {
    return new AnnotateRowsEvent(r.rest());
  }

  public String sql() {
    return new String(query, StandardCharsets.UTF_8);
  }

  @Override
  public int type() {
    return EventType.ANNOTATE_ROWS;
  }

  @Override
  public byte[] encode() {
    return query.clone();
  }
}
