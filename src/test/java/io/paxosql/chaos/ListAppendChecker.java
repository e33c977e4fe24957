package io.paxosql.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An Elle-style checker for list-append histories. Appended values are unique, so a list read names the
 * transactions that wrote each element and the order they committed in. Per key the longest read gives
 * the version order; then:
 * <ul>
 *   <li>a read holding a value twice: duplicate-append; a value never appended: garbage-read; a value
 *       whose append failed: aborted-read (G1a);
 *   <li>a read that is not a prefix of the version order: incompatible-order (appends reordered);
 *   <li>an acknowledged append missing from the final state: lost-append;
 *   <li>a read missing an append acknowledged before the read began: stale-read (every read here is
 *       meant to be linearizable);
 *   <li>cycles in the dependency graph of committed transactions (ww from the version order, wr from
 *       reads to the writer of the last element seen, rw from a read to the writer of the next element):
 *       only ww edges: G0; ww and wr: G1c; needing an rw edge: G2.
 * </ul>
 * The final state is passed in as reads (by process -1) so that it fixes every key's version order.
 */
final class ListAppendChecker {
  private ListAppendChecker() {}

  private record Write(Op<Txn> op, int key) {}

  private record Read(Op<Txn> op, int key, List<Integer> seen) {}

  static List<Anomaly> check(List<Op<Txn>> history) {
    List<Anomaly> found = new ArrayList<>();
    Map<Integer, Write> writes = new HashMap<>();
    Map<Integer, List<Read>> reads = new TreeMap<>();
    for (Op<Txn> op : history) {
      for (Txn.Mop m : op.value().mops()) {
        if (m.append()) {
          writes.put(m.value(), new Write(op, m.key()));
        } else if (op.ok()) {
          reads.computeIfAbsent(m.key(), k -> new ArrayList<>()).add(new Read(op, m.key(), m.read()));
        }
      }
    }
    Map<Integer, List<Integer>> order = new HashMap<>();
    for (Map.Entry<Integer, List<Read>> e : reads.entrySet()) {
      int key = e.getKey();
      List<Integer> longest = List.of();
      for (Read r : e.getValue()) {
        Set<Integer> distinct = new HashSet<>();
        for (int v : r.seen()) {
          Write w = writes.get(v);
          if (!distinct.add(v)) {
            found.add(new Anomaly("duplicate-append", "key " + key + " holds " + v + " twice", List.of(r.op())));
          } else if (w == null || w.key() != key) {
            found.add(new Anomaly("garbage-read", "key " + key + " holds " + v + ", never appended to it",
                List.of(r.op())));
          } else if (w.op().outcome() == Op.Outcome.FAIL) {
            found.add(new Anomaly("aborted-read (G1a)", "key " + key + " holds " + v + " from a failed transaction",
                List.of(r.op(), w.op())));
          }
        }
        if (r.seen().size() > longest.size()) {
          longest = r.seen();
        }
      }
      order.put(key, longest);
      for (Read r : e.getValue()) {
        if (!longest.subList(0, Math.min(longest.size(), r.seen().size())).equals(r.seen())) {
          found.add(new Anomaly("incompatible-order", "key " + key + " read as " + r.seen()
              + ", not a prefix of " + longest, List.of(r.op())));
        }
      }
    }
    // Lost and stale: every acknowledged append must be in its key's final order, and in every read of
    // the key that began after the append was acknowledged.
    Map<Integer, Map<Integer, Integer>> position = new HashMap<>();
    order.forEach((key, list) -> {
      Map<Integer, Integer> p = new HashMap<>();
      for (int i = 0; i < list.size(); i++) {
        p.put(list.get(i), i);
      }
      position.put(key, p);
    });
    for (Map.Entry<Integer, Write> e : writes.entrySet()) {
      Write w = e.getValue();
      if (w.op().ok() && !position.getOrDefault(w.key(), Map.of()).containsKey(e.getKey())) {
        found.add(new Anomaly("lost-append", "append of " + e.getKey() + " to key " + w.key()
            + " was acknowledged but no read, final state included, holds it", List.of(w.op())));
      }
    }
    for (Map.Entry<Integer, List<Read>> e : reads.entrySet()) {
      Map<Integer, Integer> p = position.get(e.getKey());
      for (Read r : e.getValue()) {
        for (Map.Entry<Integer, Write> w : writes.entrySet()) {
          Integer at = p.get(w.getKey());
          if (w.getValue().key() == e.getKey() && w.getValue().op().ok() && w.getValue().op().before(r.op())
              && at != null && at >= r.seen().size()) {
            found.add(new Anomaly("stale-read", "key " + e.getKey() + " read as " + r.seen() + " after the append of "
                + w.getKey() + " was acknowledged", List.of(w.getValue().op(), r.op())));
          }
        }
      }
    }
    found.addAll(cycles(writes, reads, order));
    return found;
  }

  private enum Edge { WW, WR, RW }

  private static List<Anomaly> cycles(Map<Integer, Write> writes, Map<Integer, List<Read>> reads,
      Map<Integer, List<Integer>> order) {
    Map<Op<Txn>, Map<Op<Txn>, Set<Edge>>> graph = new LinkedHashMap<>();
    order.forEach((key, list) -> {
      for (int i = 0; i + 1 < list.size(); i++) {
        Write a = writes.get(list.get(i));
        Write b = writes.get(list.get(i + 1));
        if (a != null && b != null) {
          edge(graph, a.op(), b.op(), Edge.WW);
        }
      }
      for (Read r : reads.getOrDefault(key, List.of())) {
        if (r.op().process() < 0) {
          continue; // the final state is not a transaction
        }
        if (!r.seen().isEmpty()) {
          Write last = writes.get(r.seen().get(r.seen().size() - 1));
          if (last != null) {
            edge(graph, last.op(), r.op(), Edge.WR);
          }
        }
        if (r.seen().size() < list.size() && list.subList(0, r.seen().size()).equals(r.seen())) {
          Write next = writes.get(list.get(r.seen().size()));
          if (next != null) {
            edge(graph, r.op(), next.op(), Edge.RW);
          }
        }
      }
    });
    List<Anomaly> found = new ArrayList<>();
    Set<Op<Txn>> reported = new HashSet<>();
    String[] names = {"G0 (write cycle)", "G1c (circular information flow)", "G2 (anti-dependency cycle)"};
    List<Set<Edge>> levels = List.of(Set.of(Edge.WW), Set.of(Edge.WW, Edge.WR), Set.of(Edge.WW, Edge.WR, Edge.RW));
    for (int level = 0; level < levels.size(); level++) {
      for (List<Op<Txn>> scc : Cycles.components(graph, levels.get(level))) {
        if (scc.stream().anyMatch(reported::contains)) {
          continue;
        }
        reported.addAll(scc);
        found.add(new Anomaly(names[level], scc.size() + " transactions depend on each other in a cycle", scc));
      }
    }
    return found;
  }

  private static void edge(Map<Op<Txn>, Map<Op<Txn>, Set<Edge>>> g, Op<Txn> from, Op<Txn> to, Edge kind) {
    if (from != to) {
      g.computeIfAbsent(from, k -> new LinkedHashMap<>()).computeIfAbsent(to, k -> new HashSet<>()).add(kind);
    }
  }
}
