package io.paxosql.node.chain;

/** Where a proposal landed in the Paxos log: its instance, and its index within that instance's batch. */
public record LogPosition(long instance, int index) implements Comparable<LogPosition> {
  public static final LogPosition START = new LogPosition(Long.MIN_VALUE, 0);

  @Override
  public int compareTo(LogPosition o) {
    int c = Long.compare(instance, o.instance);
    return c != 0 ? c : Integer.compare(index, o.index);
  }
}
