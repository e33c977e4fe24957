package io.paxosql.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A workload's operations in the order they completed; appended to by many client threads. */
final class History<T> {
  private final List<Op<T>> ops = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private final long originNs;

  History(long originNs) {
    this.originNs = originNs;
  }

  /** Records an operation with times relative to the run's origin. */
  Op<T> add(int process, String node, long invokeNs, long completeNs, Op.Outcome outcome, T value, String error) {
    Op<T> op = new Op<>(next.getAndIncrement(), process, node, invokeNs - originNs, completeNs - originNs, outcome,
        value, error);
    synchronized (ops) {
      ops.add(op);
    }
    return op;
  }

  List<Op<T>> ops() {
    synchronized (ops) {
      return List.copyOf(ops);
    }
  }

  /** A history written by hand (checker tests). */
  static <T> List<Op<T>> of(List<Op<T>> ops) {
    return new ArrayList<>(ops);
  }
}
