package io.paxosql.chaos;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks each key's register history for linearizability: is there one order of the operations,
 * consistent with real time (an op that completed before another was invoked comes first), in which a
 * single register explains every acknowledged result? A depth-first search over which op takes effect
 * next, memoising (ops done, value) as Lowe's version of Wing and Gong's algorithm does, bounded by a
 * step budget per key: a key whose search runs out is reported as unchecked, never as passing.
 * Failed writes and CASes had no effect and are left out; unknown ones may take effect at any time
 * after their invocation, or never; failed or unknown reads say nothing.
 */
final class RegisterChecker {
  static final int STEP_BUDGET = 2_000_000;

  record Result(List<Anomaly> anomalies, List<Integer> unchecked, int keys) {}

  private RegisterChecker() {}

  static Result check(List<Op<RegOp>> history) {
    Map<Integer, List<Op<RegOp>>> byKey = new TreeMap<>();
    for (Op<RegOp> op : history) {
      boolean readOk = op.value().kind() == RegOp.Kind.READ && op.ok();
      boolean writeMayHave = op.value().kind() != RegOp.Kind.READ && op.outcome() != Op.Outcome.FAIL;
      if (readOk || writeMayHave) {
        byKey.computeIfAbsent(op.value().key(), k -> new ArrayList<>()).add(op);
      }
    }
    List<Anomaly> anomalies = new ArrayList<>();
    List<Integer> unchecked = new ArrayList<>();
    byKey.forEach((key, ops) -> {
      Search s = new Search(ops);
      Boolean linear = s.run();
      if (linear == null) {
        unchecked.add(key);
      } else if (!linear) {
        anomalies.add(new Anomaly("register-not-linearizable",
            "key " + key + ": no real-time order of its " + ops.size() + " operations explains the values read",
            ops));
      }
    });
    return new Result(anomalies, unchecked, byKey.size());
  }

  private static final class Search {
    private final List<Op<RegOp>> ops;
    private final long[] complete;
    private final Set<String> seen = new HashSet<>();
    private int steps;
    private boolean exhausted;
    private final BitSet mustDo = new BitSet();

    Search(List<Op<RegOp>> unsorted) {
      ops = new ArrayList<>(unsorted);
      ops.sort(Comparator.comparingLong(Op::invokeNs));
      complete = new long[ops.size()];
      for (int i = 0; i < ops.size(); i++) {
        Op<RegOp> op = ops.get(i);
        complete[i] = op.outcome() == Op.Outcome.UNKNOWN ? Long.MAX_VALUE : op.completeNs();
        if (op.outcome() == Op.Outcome.OK) {
          mustDo.set(i);
        }
      }
    }

    /** True: linearizable; false: not; null: the step budget ran out. */
    Boolean run() {
      boolean ok = dfs(new BitSet(), null);
      return ok ? Boolean.TRUE : exhausted ? null : Boolean.FALSE;
    }

    private boolean dfs(BitSet done, Integer state) {
      BitSet left = (BitSet) mustDo.clone();
      left.andNot(done);
      if (left.isEmpty()) {
        return true;
      }
      if (++steps > STEP_BUDGET) {
        exhausted = true;
        return false;
      }
      if (!seen.add(done + "|" + state)) {
        return false;
      }
      // An op may go next only if it was invoked before every op not yet done had completed.
      long horizon = Long.MAX_VALUE;
      for (int i = 0; i < ops.size(); i++) {
        if (!done.get(i)) {
          horizon = Math.min(horizon, complete[i]);
        }
      }
      for (int i = 0; i < ops.size(); i++) {
        if (done.get(i) || ops.get(i).invokeNs() > horizon) {
          continue;
        }
        RegOp r = ops.get(i).value();
        Integer next;
        switch (r.kind()) {
          case READ -> {
            if (!Objects.equals(state, r.value())) {
              continue;
            }
            next = state;
          }
          case WRITE -> next = r.value();
          default -> {
            if (!Objects.equals(state, r.expected())) {
              continue;
            }
            next = r.value();
          }
        }
        done.set(i);
        boolean found = dfs(done, next);
        done.clear(i);
        if (found || exhausted) {
          return found;
        }
      }
      return false;
    }
  }
}
