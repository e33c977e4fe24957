package io.paxosql.binlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.binlog.GtidState;
import io.paxosql.testing.Captures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaSessionTest {
  private final ReplicaSession s = new ReplicaSession(9, 0, () -> 1_795_299_721L);

  /** Every query of the captured replica connections (general log, connection 13: a GTID reconnect). */
  private static List<String> capturedQueries(String thread) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Captures.generalLog()) {
      int at = line.indexOf("Query\t");
      if (at > 0 && (line.trim().startsWith(thread + " ") || line.contains(" " + thread + " Query"))) {
        out.add(line.substring(at + 6).trim());
      }
    }
    return out;
  }

  @Test
  void answersEveryQueryOfTheCapturedReplica() throws Exception {
    List<String> queries = capturedQueries("13");
    assertEquals(12, queries.size(), queries.toString());
    for (String q : queries) {
      QueryReply r = s.answer(q);
      assertTrue(r instanceof QueryReply.Ok || r instanceof QueryReply.Rows, q + " -> " + r);
    }
    assertEquals(1_000_000_000L, s.heartbeatPeriodNanos());
    assertEquals(GtidState.parse("0-1-6"), s.connectState());
    assertTrue(s.wantsChecksums());
    assertEquals(new QueryReply.Rows(List.of("@master_binlog_checksum"), List.of(List.of("CRC32"))),
        s.answer("SELECT @master_binlog_checksum"));
    assertEquals(new QueryReply.Rows(List.of("UNIX_TIMESTAMP()"), List.of(List.of("1795299721"))),
        s.answer("SELECT UNIX_TIMESTAMP()"));
    assertEquals(new QueryReply.Rows(List.of("Variable_name", "Value"), List.of(List.of("server_id", "9"))),
        s.answer("SHOW VARIABLES LIKE 'SERVER_ID'"));
    assertEquals(new QueryReply.Rows(List.of("Variable_name", "Value"),
        List.of(List.of("rpl_semi_sync_master_enabled", "OFF"))),
        s.answer("SHOW VARIABLES LIKE 'rpl_semi_sync_master_enabled'"));
    assertEquals(new QueryReply.Rows(List.of("@@GLOBAL.gtid_domain_id"), List.of(List.of("0"))),
        s.answer("SELECT @@GLOBAL.gtid_domain_id"));
  }

  @Test
  void killUnknownVariablesAndOtherStatementsGetClearAnswers() {
    assertEquals(new QueryReply.Kill(8), s.answer("KILL 8"));
    QueryReply.Error e = assertInstanceOf(QueryReply.Error.class, s.answer("SELECT @@GLOBAL.no_such_thing"));
    assertEquals(ReplicaSession.ER_UNKNOWN_SYSTEM_VARIABLE, e.code());
    assertTrue(e.message().contains("Unknown system variable 'no_such_thing'"));
    QueryReply.Error drop = assertInstanceOf(QueryReply.Error.class, s.answer("DROP TABLE t"));
    assertTrue(drop.message().contains("answers only replication queries"));
    assertInstanceOf(QueryReply.Ok.class, s.answer("SET @some_new_thing= 'x', @@session.sql_mode=''"));
    assertEquals("x", s.userVar("some_new_thing"));
    assertInstanceOf(QueryReply.Ok.class, s.answer("SET NAMES latin1"));
    assertInstanceOf(QueryReply.Ok.class, s.answer("SET autocommit=1"));
    QueryReply.Error bad = assertInstanceOf(QueryReply.Error.class, s.answer("SET @slave_connect_state='0-1'"));
    assertTrue(bad.message().contains("expected domain-server-sequence"));
  }
}
