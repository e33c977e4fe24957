package io.paxosql.node.chain;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/** A single-process stand-in for the Paxos log: every proposal is chosen at once, in call order. */
final class InMemoryChosenLog implements ChosenLog {
  private final List<ChosenEntry> entries = new ArrayList<>();
  private final List<Consumer<ChosenEntry>> followers = new ArrayList<>();
  private long instance = (1L << 32) - 3;
  /** When set, proposals are chosen only on {@link #release()}: stands for Paxos latency. */
  private boolean holding;
  private final List<byte[]> held = new ArrayList<>();
  private final List<Promise<LogPosition>> heldPromises = new ArrayList<>();
  private boolean holdingFutures;
  private final int maxProposalBytes;
  /** When set, a proposal fails instead of being chosen: stands for a lost leadership. */
  private boolean failing;

  InMemoryChosenLog() {
    this(1 << 20);
  }

  InMemoryChosenLog(int maxProposalBytes) {
    this.maxProposalBytes = maxProposalBytes;
  }

  void failProposals(boolean fail) {
    failing = fail;
  }

  /** Chooses {@code bytes} as if another node had proposed them. */
  LogPosition chooseForeign(byte[] bytes) {
    return choose(bytes);
  }

  /** Chooses the held proposals in {@code order} (indexes into the held list); drops the rest. */
  void releaseInOrder(List<Integer> order) {
    holding = false;
    List<byte[]> now = new ArrayList<>(held);
    held.clear();
    order.forEach(i -> choose(now.get(i)));
  }

  List<byte[]> held() {
    return held;
  }

  void hold() {
    holding = true;
  }

  /** Like {@link #hold}, but a proposal's future completes only once it is chosen, as in the real log. */
  void holdFutures() {
    holding = true;
    holdingFutures = true;
  }

  /**
   * Chooses everything held, in proposal order; proposals made meanwhile (when earlier futures complete)
   * queue behind, as at a real leader, and are chosen in turn.
   */
  void release() {
    while (!held.isEmpty()) {
      List<byte[]> now = new ArrayList<>(held);
      List<Promise<LogPosition>> promises = new ArrayList<>(heldPromises);
      held.clear();
      heldPromises.clear();
      List<LogPosition> positions = new ArrayList<>();
      now.forEach(b -> positions.add(choose(b)));
      for (int i = 0; i < promises.size(); i++) {
        promises.get(i).complete(positions.get(i));
      }
    }
    holding = false;
    holdingFutures = false;
  }

  /** Chooses the held proposals in the reverse of their proposal order. */
  void releaseReversed() {
    holding = false;
    List<byte[]> now = new ArrayList<>(held);
    held.clear();
    Collections.reverse(now);
    now.forEach(this::choose);
  }

  List<ChosenEntry> entries() {
    return entries;
  }

  @Override
  public int maxProposalBytes() {
    return maxProposalBytes;
  }

  @Override
  public Future<LogPosition> propose(byte[] bytes) {
    if (bytes.length > maxProposalBytes) {
      return Future.failedFuture("proposal of " + bytes.length + " bytes exceeds " + maxProposalBytes);
    }
    if (failing) {
      return Future.failedFuture("not leader: unknown");
    }
    if (holding) {
      held.add(bytes);
      if (holdingFutures) {
        Promise<LogPosition> p = Promise.promise();
        heldPromises.add(p);
        return p.future();
      }
      return Future.succeededFuture(null);
    }
    return Future.succeededFuture(choose(bytes));
  }

  private LogPosition choose(byte[] bytes) {
    ChosenEntry e = new ChosenEntry(new LogPosition(instance++, 0), bytes);
    entries.add(e);
    new ArrayList<>(followers).forEach(f -> f.accept(e));
    return e.position();
  }

  @Override
  public AutoCloseable follow(LogPosition from, Consumer<ChosenEntry> listener) {
    for (ChosenEntry e : new ArrayList<>(entries)) {
      if (e.position().compareTo(from) >= 0) {
        listener.accept(e);
      }
    }
    followers.add(listener);
    return () -> followers.remove(listener);
  }

  @Override
  public Future<List<ChosenEntry>> read(LogPosition from, int max) {
    List<ChosenEntry> out = new ArrayList<>();
    for (ChosenEntry e : entries) {
      if (e.position().compareTo(from) >= 0 && out.size() < max) {
        out.add(e);
      }
    }
    return Future.succeededFuture(out);
  }
}
