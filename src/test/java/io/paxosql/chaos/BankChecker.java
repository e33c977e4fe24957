package io.paxosql.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a bank history: every acknowledged read sees every account and a total equal to the initial
 * one (transfers move money, never make or lose it), and no balance is ever negative (a transfer
 * refuses to overdraw, so a negative balance means two transfers both saw the same money).
 */
final class BankChecker {
  private BankChecker() {}

  static List<Anomaly> check(List<Op<BankOp>> history, int accounts, long total) {
    List<Anomaly> found = new ArrayList<>();
    for (Op<BankOp> op : history) {
      if (!op.ok() || op.value().transfer()) {
        continue;
      }
      Map<Integer, Long> b = op.value().balances();
      if (b.size() != accounts) {
        found.add(new Anomaly("bank-missing-account", "a read saw " + b.size() + " accounts, not " + accounts,
            List.of(op)));
      }
      long sum = b.values().stream().mapToLong(Long::longValue).sum();
      if (sum != total) {
        found.add(new Anomaly("bank-wrong-total", "a read saw a total of " + sum + ", not " + total, List.of(op)));
      }
      b.forEach((account, balance) -> {
        if (balance < 0) {
          found.add(new Anomaly("bank-negative-balance", "account " + account + " read as " + balance, List.of(op)));
        }
      });
    }
    return found;
  }
}
