package io.paxosql.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Register: per-key reads (RW or linearizable RO ports), writes and compare-and-sets (RW ports). All
 * threads work on one key at a time and move to a fresh key every {@link #OPS_PER_KEY} operations, so
 * each key's history stays small enough for an exhaustive linearizability search.
 */
final class RegisterWorkload extends Workload<RegOp> {
  static final int OPS_PER_KEY = 40;
  private final AtomicInteger counter = new AtomicInteger();
  private final AtomicInteger values = new AtomicInteger(1);

  RegisterWorkload(long seed, int nodes, long originNs) {
    super("register", 3, seed, nodes, originNs);
  }

  @Override
  void setUp(Connection root) throws SQLException {
    try (Statement s = root.createStatement()) {
      s.execute("CREATE TABLE chaos.reg (k INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
    }
  }

  @Override
  boolean step(SqlClient client, Random random, int process) {
    int key = counter.getAndIncrement() / OPS_PER_KEY;
    int node = node(random);
    int kind = random.nextInt(5);
    if (kind < 2) {
      return Workload.answered(read(client, node, random.nextBoolean(), process, key));
    } else if (kind < 4) {
      return Workload.answered(write(client, node, process, RegOp.write(key, values.getAndIncrement()),
          "INSERT INTO reg (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)"));
    } else {
      // Compare with a value likely current: one of the last few written.
      int expected = Math.max(1, values.get() - 1 - random.nextInt(3));
      return Workload.answered(write(client, node, process, RegOp.cas(key, expected, values.getAndIncrement()),
          "UPDATE reg SET v = ? WHERE k = ? AND v = ?"));
    }
  }

  private Op<RegOp> write(SqlClient client, int node, int process, RegOp op, String sql) {
    return transaction(client, node, false, true, process, op, c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        if (op.kind() == RegOp.Kind.CAS) {
          s.setInt(1, op.value());
          s.setInt(2, op.key());
          s.setInt(3, op.expected());
        } else {
          s.setInt(1, op.key());
          s.setInt(2, op.value());
        }
        int rows = s.executeUpdate();
        return op.kind() == RegOp.Kind.CAS && rows == 0 ? Done.refused(op, "no match") : Done.ok(op);
      }
    });
  }

  private Op<RegOp> read(SqlClient client, int node, boolean ro, int process, int key) {
    return transaction(client, node, ro, false, process, RegOp.read(key, null), c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT v FROM reg WHERE k = ?")) {
        s.setInt(1, key);
        try (ResultSet r = s.executeQuery()) {
          return Done.ok(RegOp.read(key, r.next() ? r.getInt(1) : null));
        }
      }
    });
  }
}
