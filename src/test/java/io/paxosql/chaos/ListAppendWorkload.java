package io.paxosql.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * List-append: transactions of one to three micro-operations, each an append of a unique value to a
 * key's list or a read of the list, over a small window of keys that moves on as the run goes.
 * Transactions with an append run serializable on RW ports; read-only ones run on RW or on
 * linearizable RO ports (START TRANSACTION there waits for the read index, and the reads that follow
 * share its snapshot).
 */
final class ListAppendWorkload extends Workload<Txn> {
  static final int KEYS_AT_ONCE = 3;
  static final int TXNS_PER_WINDOW = 60;
  private final AtomicInteger counter = new AtomicInteger();
  private final AtomicInteger values = new AtomicInteger(1);

  ListAppendWorkload(long seed, int nodes, long originNs) {
    super("list-append", 3, seed, nodes, originNs);
  }

  @Override
  void setUp(Connection root) throws SQLException {
    try (Statement s = root.createStatement()) {
      s.execute("CREATE TABLE chaos.la (k INT PRIMARY KEY, vals TEXT NOT NULL) ENGINE=InnoDB");
    }
  }

  @Override
  boolean step(SqlClient client, Random random, int process) {
    int base = counter.getAndIncrement() / TXNS_PER_WINDOW * KEYS_AT_ONCE;
    List<Txn.Mop> planned = new ArrayList<>();
    int n = 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      int key = base + random.nextInt(KEYS_AT_ONCE);
      planned.add(random.nextBoolean() ? Txn.Mop.append(key, values.getAndIncrement()) : Txn.Mop.read(key, null));
    }
    Txn txn = new Txn(planned);
    boolean ro = txn.readOnly() && random.nextBoolean();
    return Workload.answered(run(client, node(random), ro, process, txn));
  }

  private Op<Txn> run(SqlClient client, int node, boolean ro, int process, Txn txn) {
    return transaction(client, node, ro, !txn.readOnly(), process, txn, c -> {
      List<Txn.Mop> done = new ArrayList<>();
      for (Txn.Mop m : txn.mops()) {
        if (m.append()) {
          try (PreparedStatement s = c.prepareStatement(
              "INSERT INTO la (k, vals) VALUES (?, ?) ON DUPLICATE KEY UPDATE vals = CONCAT(vals, ',', VALUES(vals))")) {
            s.setInt(1, m.key());
            s.setString(2, Integer.toString(m.value()));
            s.executeUpdate();
          }
          done.add(m);
        } else {
          try (PreparedStatement s = c.prepareStatement("SELECT vals FROM la WHERE k = ?")) {
            s.setInt(1, m.key());
            try (ResultSet r = s.executeQuery()) {
              done.add(Txn.Mop.read(m.key(), r.next() ? parse(r.getString(1)) : List.of()));
            }
          }
        }
      }
      return Done.ok(new Txn(done));
    });
  }

  static List<Integer> parse(String vals) {
    List<Integer> out = new ArrayList<>();
    if (vals != null && !vals.isEmpty()) {
      for (String v : vals.split(",")) {
        out.add(Integer.parseInt(v.trim()));
      }
    }
    return out;
  }
}
