package io.paxosql.chaos;

import java.util.List;

/** Something a checker proved wrong in a history, with the operations that show it. */
record Anomaly(String kind, String detail, List<? extends Op<?>> ops) {
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(kind).append(": ").append(detail);
    ops.stream().limit(8).forEach(op -> b.append("\n      ").append(op));
    if (ops.size() > 8) {
      b.append("\n      ... and ").append(ops.size() - 8).append(" more");
    }
    return b.toString();
  }
}
