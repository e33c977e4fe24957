package io.paxosql.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Bank: transfers between accounts in serializable transactions on RW ports (refused, as a FAIL, when
 * the source lacks the money), and reads of every balance in one statement on RW or linearizable RO ports.
 */
final class BankWorkload extends Workload<BankOp> {
  static final int ACCOUNTS = 5;
  static final long INITIAL = 100;

  BankWorkload(long seed, int nodes, long originNs) {
    super("bank", 2, seed, nodes, originNs);
  }

  long total() {
    return ACCOUNTS * INITIAL;
  }

  @Override
  void setUp(Connection root) throws SQLException {
    try (Statement s = root.createStatement()) {
      s.execute("CREATE TABLE chaos.bank (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB");
      StringBuilder rows = new StringBuilder();
      for (int i = 0; i < ACCOUNTS; i++) {
        rows.append(i == 0 ? "" : ",").append('(').append(i).append(',').append(INITIAL).append(')');
      }
      s.execute("INSERT INTO chaos.bank VALUES " + rows);
    }
  }

  @Override
  boolean step(SqlClient client, Random random, int process) {
    int node = node(random);
    if (random.nextInt(3) == 0) {
      return Workload.answered(read(client, node, random.nextBoolean(), process));
    } else {
      int from = random.nextInt(ACCOUNTS);
      int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
      return Workload.answered(transfer(client, node, process, from, to, 1 + random.nextInt(30)));
    }
  }

  private Op<BankOp> transfer(SqlClient client, int node, int process, int from, int to, long amount) {
    BankOp op = BankOp.transfer(from, to, amount);
    return transaction(client, node, false, true, process, op, c -> {
      long balance;
      try (PreparedStatement s = c.prepareStatement("SELECT balance FROM bank WHERE id = ? FOR UPDATE")) {
        s.setInt(1, from);
        try (ResultSet r = s.executeQuery()) {
          balance = r.next() ? r.getLong(1) : -1;
        }
      }
      if (balance < amount) {
        return Done.refused(op, "balance " + balance);
      }
      try (PreparedStatement s = c.prepareStatement("UPDATE bank SET balance = balance + ? WHERE id = ?")) {
        s.setLong(1, -amount);
        s.setInt(2, from);
        s.executeUpdate();
        s.setLong(1, amount);
        s.setInt(2, to);
        s.executeUpdate();
      }
      return Done.ok(op);
    });
  }

  private Op<BankOp> read(SqlClient client, int node, boolean ro, int process) {
    return transaction(client, node, ro, false, process, BankOp.read(Map.of()), c -> {
      Map<Integer, Long> b = new TreeMap<>();
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT id, balance FROM bank")) {
        while (r.next()) {
          b.put(r.getInt(1), r.getLong(2));
        }
      }
      return Done.ok(BankOp.read(b));
    });
  }
}
