package io.paxosql.node.replog;

import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The proposals this node queued in its core and has not answered yet, whatever else waits for an
 * instance to become durable here, and which chosen values may go to the log's followers before their
 * Chosen records are durable. A proposal is answered once its value is chosen and durable on this node,
 * or once the core says it was dropped or is in doubt.
 *
 * <p>"Durable here" means either record: a value chosen while this node holds it as a durable Accepted
 * record is as durable here as its Chosen record would make it, and chosen means a majority holds it
 * durably too. So such a value completes its proposals and goes to the followers of the log (the chain,
 * whose append answers the capture's ACK) at once, one fsync earlier; in instance order, never past a
 * value that is not yet durable here in either form.
 *
 * <p>Pure (no Vert.x, threads or clocks) so that a simulator can drive it the way {@link CoreDriver}
 * does: the driver calls it at fixed points of its Ready loop, on one thread.
 */
final class ProposalTracker {
  /** How one proposal is answered; exactly one of the two is called, once. */
  interface Waiter {
    void chosen(LogPosition at);

    void failed(String why);
  }

  private final long idBase;
  private long idNext;
  private final Map<Long, Waiter> pending = new HashMap<>();
  /** Values this node has durably accepted, above what is chosen and durable here: instance → value. */
  private final TreeMap<Long, Value> acceptedDurable = new TreeMap<>();
  /**
   * Values handed out as chosen whose Chosen records are not durable yet: instance → value. With several
   * Readys with the log, a value may be chosen (in a later Ready) before the Ready holding its Accepted
   * record here is durable; it then completes once that one is.
   */
  private final TreeMap<Long, Value> chosenNotDurable = new TreeMap<>();
  /** Those of them this node holds as a durable Accepted record of the same value: durable here already. */
  private final TreeSet<Long> chosenHeld = new TreeSet<>();
  private final TreeMap<Long, List<Runnable>> waitDurable = new TreeMap<>();
  /**
   * One past the last instance chosen and durable here. The driver publishes its own copy to other
   * threads; this one is only read on the loop's thread.
   */
  private long durableBelow;
  /** One past the last instance handed to the log's followers, early or on its Chosen record. */
  private long deliveredBelow;

  /**
   * @param idBase       the high 32 bits of every proposal id; the caller picks them at random per run, so
   *                     a restarted node never takes an entry proposed by its previous run for its own
   * @param durableBelow one past the last instance chosen and durable when the node starts
   */
  ProposalTracker(long idBase, long durableBelow) {
    this.idBase = idBase & ~0xFFFF_FFFFL;
    this.durableBelow = durableBelow;
    this.deliveredBelow = durableBelow;
  }

  /** A fresh proposal id for the core. */
  long nextId() {
    return idBase | (idNext++ & 0xFFFF_FFFFL);
  }

  /** Remembers a proposal the core queued under {@code id}. */
  void track(long id, Waiter w) {
    pending.put(id, w);
  }

  int pending() {
    return pending.size();
  }

  /** The core queued these as leader but never proposed them: certainly not chosen, so safe to retry. */
  void dropped(List<Long> ids) {
    fail(ids, "not chosen: leadership moved before it was proposed; retry");
  }

  /** These were in flight when this node stopped leading: they may or may not be chosen later. */
  void inDoubt(List<Long> ids) {
    fail(ids, "in doubt: leadership moved while it was being proposed; it may still be chosen");
  }

  private void fail(List<Long> ids, String why) {
    for (long id : ids) {
      Waiter w = pending.remove(id);
      if (w != null) {
        w.failed(why);
      }
    }
  }

  /**
   * Values just chosen whose Chosen records are not written yet. One this node already holds durably as
   * accepted is chosen and durable here already, so its proposals complete now: one fsync less on the
   * commit path. After a crash the node learns the choice again from its peers.
   *
   * @return the values the log's followers may get now, before their Chosen records are durable: those
   *     that continue what they got so far without a gap, each held here as a durable Accepted record of
   *     the same value (empty if the first is not)
   */
  List<ChosenValue> chosenBeforeDurable(List<ChosenValue> chosen) {
    for (ChosenValue c : chosen) {
      if (c.instance() < durableBelow) {
        continue;
      }
      chosenNotDurable.put(c.instance(), c.value());
      if (c.value().equals(acceptedDurable.get(c.instance()))) {
        held(c.instance(), c.value());
      }
    }
    return deliverable();
  }

  /** Records of a Ready that are now durable: its accepted values may complete proposals early. */
  void persisted(List<Durable> records) {
    for (Durable d : records) {
      if (d instanceof Durable.Accepted a && a.instance() >= durableBelow) {
        acceptedDurable.put(a.instance(), a.value());
        if (a.value().equals(chosenNotDurable.get(a.instance()))) {
          // Chosen in a Ready taken while this one was still with the log.
          held(a.instance(), a.value());
        }
      }
    }
  }

  /** Values whose Chosen records are now durable, in instance order: their proposals and waiters complete. */
  void chosenDurable(List<ChosenValue> chosen) {
    if (chosen.isEmpty()) {
      return;
    }
    durableBelow = chosen.get(chosen.size() - 1).instance() + 1;
    deliveredBelow = Math.max(deliveredBelow, durableBelow);
    for (ChosenValue c : chosen) {
      complete(c.instance(), c.value());
    }
    acceptedDurable.headMap(durableBelow).clear();
    chosenNotDurable.headMap(durableBelow).clear();
    chosenHeld.headSet(durableBelow).clear();
    while (!waitDurable.isEmpty() && waitDurable.firstKey() < durableBelow) {
      waitDurable.pollFirstEntry().getValue().forEach(Runnable::run);
    }
  }

  /**
   * The next values for the log's followers before their Chosen records are durable: chosen, held here as
   * durable Accepted records, continuing what they got so far without a gap. After {@link #persisted} and
   * {@link #chosenDurable}, these are values chosen in Readys still with the log.
   */
  List<ChosenValue> deliverable() {
    List<ChosenValue> out = new ArrayList<>();
    while (chosenHeld.contains(deliveredBelow)) {
      out.add(new ChosenValue(deliveredBelow, chosenNotDurable.get(deliveredBelow)));
      deliveredBelow++;
    }
    return out;
  }

  /** The value chosen at {@code instance} is durable here as an Accepted record: its proposals complete. */
  private void held(long instance, Value value) {
    chosenHeld.add(instance);
    complete(instance, value);
  }

  /** Runs {@code r} once {@code instance} is chosen and durable here: now if it already is. */
  void whenDurable(long instance, Runnable r) {
    if (instance < durableBelow) {
      r.run();
    } else {
      waitDurable.computeIfAbsent(instance, k -> new ArrayList<>(1)).add(r);
    }
  }

  private void complete(long instance, Value value) {
    if (pending.isEmpty()) {
      return;
    }
    List<Entry> entries = value.entries();
    for (int i = 0; i < entries.size(); i++) {
      Waiter w = pending.remove(entries.get(i).proposalId());
      if (w != null) {
        w.chosen(new LogPosition(instance, i));
      }
    }
  }
}
