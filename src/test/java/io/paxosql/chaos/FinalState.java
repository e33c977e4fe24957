package io.paxosql.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One node's tables after the run, read as root from its own MariaDB, with their checksums. */
record FinalState(int node, String gtid, Map<Integer, Long> bank, Map<Integer, List<Integer>> lists,
    Map<Integer, Integer> registers, String checksums) {

  static FinalState read(int node, Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      String gtid = one(s, "SELECT @@gtid_current_pos");
      Map<Integer, Long> bank = new TreeMap<>();
      try (ResultSet r = s.executeQuery("SELECT id, balance FROM chaos.bank")) {
        while (r.next()) {
          bank.put(r.getInt(1), r.getLong(2));
        }
      }
      Map<Integer, List<Integer>> lists = new TreeMap<>();
      try (ResultSet r = s.executeQuery("SELECT k, vals FROM chaos.la")) {
        while (r.next()) {
          lists.put(r.getInt(1), ListAppendWorkload.parse(r.getString(2)));
        }
      }
      Map<Integer, Integer> regs = new TreeMap<>();
      try (ResultSet r = s.executeQuery("SELECT k, v FROM chaos.reg")) {
        while (r.next()) {
          regs.put(r.getInt(1), r.getInt(2));
        }
      }
      StringBuilder sums = new StringBuilder();
      try (ResultSet r = s.executeQuery("CHECKSUM TABLE chaos.bank, chaos.la, chaos.reg")) {
        while (r.next()) {
          sums.append(r.getString(1)).append('=').append(r.getString(2)).append(' ');
        }
      }
      return new FinalState(node, gtid, bank, lists, regs, sums.toString().strip());
    }
  }

  static String gtid(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      return one(s, "SELECT @@gtid_current_pos");
    }
  }

  private static String one(Statement s, String sql) throws SQLException {
    try (ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }
}
