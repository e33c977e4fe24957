package io.paxosql.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One client process's connections (one per node and port, opened lazily, dropped after an error) and the
 * rule that turns an error into an outcome: an error before COMMIT was sent leaves nothing behind (FAIL);
 * around a commit or an autocommit write only the server's own definite refusals are FAIL, anything else
 * (a broken connection, a timeout) is UNKNOWN.
 */
final class SqlClient implements AutoCloseable {
  static final String USER = "chaos";
  static final String PASSWORD = "chaos-secret-1";
  /** Deadlock, lock wait timeout, read-only server, read-only transaction: the statement did nothing. */
  private static final Set<Integer> DEFINITE = Set.of(1213, 1205, 1290, 1792, 1836);
  private final Map<String, Connection> open = new HashMap<>();

  Connection rw(int node) throws SQLException {
    return get(node, ChaosNodes.RW);
  }

  Connection ro(int node) throws SQLException {
    return get(node, ChaosNodes.RO);
  }

  private Connection get(int node, int port) throws SQLException {
    String key = node + ":" + port;
    Connection c = open.get(key);
    if (c == null) {
      c = DriverManager.getConnection("jdbc:mariadb://" + Netns.nodeAddress(node) + ":" + port + "/chaos?user=" + USER
          + "&password=" + PASSWORD + "&connectTimeout=2000&socketTimeout=10000");
      if (port == ChaosNodes.RW) {
        try (var s = c.createStatement()) {
          s.execute("SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE");
        }
      }
      open.put(key, c);
    }
    return c;
  }

  /** Forgets (and closes) the connection after an error: the next op opens a new one. */
  void drop(int node, int port) {
    Connection c = open.remove(node + ":" + port);
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already broken
      }
    }
  }

  static Op.Outcome outcome(SQLException e, boolean commitSent) {
    if (!commitSent) {
      return Op.Outcome.FAIL;
    }
    return DEFINITE.contains(e.getErrorCode()) ? Op.Outcome.FAIL : Op.Outcome.UNKNOWN;
  }

  static String describe(Exception e) {
    String m = String.valueOf(e.getMessage()).replace('\n', ' ');
    return (e instanceof SQLException s ? s.getErrorCode() + " " : "") + (m.length() > 140 ? m.substring(0, 140) : m);
  }

  @Override
  public void close() {
    for (String key : Map.copyOf(open).keySet()) {
      String[] p = key.split(":");
      drop(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
    }
  }
}
