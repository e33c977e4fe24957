package io.paxosql.binlog.server;

import java.util.List;

/** How the binlog server answers one COM_QUERY from a replica. */
public sealed interface QueryReply {
  record Ok() implements QueryReply {}

  /** A text result set; a null cell is SQL NULL. */
  record Rows(List<String> columns, List<List<String>> rows) implements QueryReply {}

  record Error(int code, String sqlState, String message) implements QueryReply {}

  /** KILL of another connection (what STOP SLAVE sends); answered OK once done, or an error. */
  record Kill(long connectionId) implements QueryReply {}
}
