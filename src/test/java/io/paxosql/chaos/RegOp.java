package io.paxosql.chaos;

/**
 * A register operation on one key: read (an ok read's {@code value} is what it saw, null = no row),
 * write {@code value}, or compare-and-set from {@code expected} to {@code value}.
 */
record RegOp(Kind kind, int key, Integer value, Integer expected) {
  enum Kind { READ, WRITE, CAS }

  static RegOp read(int key, Integer seen) {
    return new RegOp(Kind.READ, key, seen, null);
  }

  static RegOp write(int key, int value) {
    return new RegOp(Kind.WRITE, key, value, null);
  }

  static RegOp cas(int key, int expected, int value) {
    return new RegOp(Kind.CAS, key, value, expected);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case READ -> "read k" + key + " = " + value;
      case WRITE -> "write k" + key + " := " + value;
      case CAS -> "cas k" + key + " " + expected + " -> " + value;
    };
  }
}
