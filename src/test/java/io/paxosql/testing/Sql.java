package io.paxosql.testing;

import io.paxosql.node.mariadb.MariaDbServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Small JDBC helpers for tests (MariaDB Connector/J). */
public final class Sql {
  private Sql() {}

  /**
   * A root connection over TCP to a bare test server, whose root has no password from 127.0.0.1. A
   * node's MariaDB is different: its root password is in the node's dataDir (SecretNames).
   */
  public static Connection root(MariaDbServer server) throws SQLException {
    return connect(server.port(), "root", "");
  }

  public static Connection connect(int port, String user, String password) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/?allowMultiQueries=true", user, password);
  }

  public static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** First column of the first row, or null when there is no row. */
  public static String queryString(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  public static long queryLong(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        throw new SQLException("no row from: " + sql);
      }
      return rs.getLong(1);
    }
  }
}
