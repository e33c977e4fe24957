package io.paxosql.chaos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Strongly connected components (Tarjan, iterative) of a labelled graph restricted to some edge labels. */
final class Cycles {
  private Cycles() {}

  /** Components of more than one vertex: each holds at least one cycle using only {@code allowed} labels. */
  static <V, L> List<List<V>> components(Map<V, Map<V, Set<L>>> graph, Set<L> allowed) {
    Map<V, Integer> index = new HashMap<>();
    Map<V, Integer> low = new HashMap<>();
    Deque<V> stack = new ArrayDeque<>();
    Set<V> onStack = new HashSet<>();
    List<List<V>> out = new ArrayList<>();
    int[] counter = {0};
    for (V root : graph.keySet()) {
      if (index.containsKey(root)) {
        continue;
      }
      Deque<Object[]> work = new ArrayDeque<>();
      work.push(new Object[] {root, successors(graph, root, allowed).iterator()});
      index.put(root, counter[0]);
      low.put(root, counter[0]++);
      stack.push(root);
      onStack.add(root);
      while (!work.isEmpty()) {
        Object[] frame = work.peek();
        @SuppressWarnings("unchecked") V v = (V) frame[0];
        @SuppressWarnings("unchecked") Iterator<V> it = (Iterator<V>) frame[1];
        if (it.hasNext()) {
          V w = it.next();
          if (!index.containsKey(w)) {
            index.put(w, counter[0]);
            low.put(w, counter[0]++);
            stack.push(w);
            onStack.add(w);
            work.push(new Object[] {w, successors(graph, w, allowed).iterator()});
          } else if (onStack.contains(w)) {
            low.put(v, Math.min(low.get(v), index.get(w)));
          }
          continue;
        }
        work.pop();
        if (!work.isEmpty()) {
          @SuppressWarnings("unchecked") V parent = (V) work.peek()[0];
          low.put(parent, Math.min(low.get(parent), low.get(v)));
        }
        if (low.get(v).equals(index.get(v))) {
          List<V> scc = new ArrayList<>();
          V w;
          do {
            w = stack.pop();
            onStack.remove(w);
            scc.add(w);
          } while (!w.equals(v));
          if (scc.size() > 1) {
            out.add(scc);
          }
        }
      }
    }
    return out;
  }

  private static <V, L> List<V> successors(Map<V, Map<V, Set<L>>> graph, V v, Set<L> allowed) {
    List<V> next = new ArrayList<>();
    graph.getOrDefault(v, Map.of()).forEach((w, labels) -> {
      if (labels.stream().anyMatch(allowed::contains)) {
        next.add(w);
      }
    });
    return next;
  }
}
