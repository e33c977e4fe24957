package io.paxosql.chaos;

import java.util.List;

/** A list-append transaction: micro-operations in order; an ok read's {@code read} is the list it saw. */
record Txn(List<Mop> mops) {
  record Mop(boolean append, int key, int value, List<Integer> read) {
    static Mop append(int key, int value) {
      return new Mop(true, key, value, null);
    }

    static Mop read(int key, List<Integer> seen) {
      return new Mop(false, key, 0, seen);
    }

    @Override
    public String toString() {
      return append ? "append(" + key + "," + value + ")" : "read(" + key + ")=" + read;
    }
  }

  boolean readOnly() {
    return mops.stream().noneMatch(Mop::append);
  }

  @Override
  public String toString() {
    return mops.toString();
  }
}
