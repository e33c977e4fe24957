package io.paxosql.log;

import java.util.Arrays;

/**
 * What the log stores. Values are opaque bytes here (the owner encodes them), so the storage format does
 * not change when the consensus value format does. Ballots are (round, node) pairs, ordered by round then
 * node.
 */
public sealed interface LogRecord {

  /** The acceptor promised not to accept below ballot (round, node). The latest one counts. */
  record Promised(long round, int node) implements LogRecord {}

  /** The acceptor accepted {@code value} at {@code instance} under ballot (round, node). */
  record Accepted(long instance, long round, int node, byte[] value) implements LogRecord {
    @Override
    public boolean equals(Object o) {
      return o instanceof Accepted a && a.instance == instance && a.round == round && a.node == node
          && Arrays.equals(a.value, value);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(instance) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Accepted[" + instance + " " + round + "." + node + " " + value.length + "B]";
    }
  }

  /** The value chosen at {@code instance}. Chosen records are written in instance order without gaps. */
  record Chosen(long instance, byte[] value) implements LogRecord {
    @Override
    public boolean equals(Object o) {
      return o instanceof Chosen c && c.instance == instance && Arrays.equals(c.value, value);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(instance) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Chosen[" + instance + " " + value.length + "B]";
    }
  }

  /** The member set in force from {@code effectiveFrom} on; every such record is kept. */
  record Members(long effectiveFrom, int[] members) implements LogRecord {
    public Members {
      members = members.clone();
      Arrays.sort(members);
    }

    @Override
    public int[] members() {
      return members.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Members m && m.effectiveFrom == effectiveFrom && Arrays.equals(m.members, members);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(effectiveFrom) * 31 + Arrays.hashCode(members);
    }

    @Override
    public String toString() {
      return "Members[" + effectiveFrom + " " + Arrays.toString(members) + "]";
    }
  }
}
