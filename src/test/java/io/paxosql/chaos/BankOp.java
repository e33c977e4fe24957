package io.paxosql.chaos;

import java.util.Map;

/** A bank operation: a transfer of {@code amount} from one account to another, or a read of all balances. */
record BankOp(boolean transfer, int from, int to, long amount, Map<Integer, Long> balances) {
  static BankOp transfer(int from, int to, long amount) {
    return new BankOp(true, from, to, amount, null);
  }

  static BankOp read(Map<Integer, Long> balances) {
    return new BankOp(false, -1, -1, 0, balances);
  }

  @Override
  public String toString() {
    return transfer ? "transfer " + amount + " " + from + "->" + to : "read " + balances;
  }
}
