package io.paxosql.node.replog;

import io.paxosql.node.chain.LogPosition;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Ready;
import java.util.List;

/**
 * The replicated log's real {@link ProposalTracker}, opened to the Paxos simulator (test code in the
 * tracker's own package): the simulator calls it at the points of its Ready loop where {@link CoreDriver}
 * does, so early completion, early delivery to the chain and completion on a durable Chosen record run the
 * production rules.
 */
public final class SimProposals {
  /** How a tracked proposal was answered: chosen at {@code instance} (entry {@code index}), or failed. */
  public interface Answer {
    void chosen(long instance, int index);

    void failed(String why);
  }

  private final ProposalTracker tracker;

  /** @param durableBelow one past the last instance chosen and durable when the node (re)starts */
  public SimProposals(long durableBelow) {
    this.tracker = new ProposalTracker(0, durableBelow);
  }

  public void track(long proposalId, Answer answer) {
    tracker.track(proposalId, new ProposalTracker.Waiter() {
      @Override
      public void chosen(LogPosition at) {
        answer.chosen(at.instance(), at.index());
      }

      @Override
      public void failed(String why) {
        answer.failed(why);
      }
    });
  }

  /**
   * A Ready was taken from the core, before its records are written (CoreDriver.drive).
   *
   * @return the chosen values the chain gets now, before their Chosen records are durable (CoreDriver's
   *     {@code Hooks.chosenEarly})
   */
  public List<ChosenValue> readied(Ready r) {
    tracker.dropped(r.dropped());
    tracker.inDoubt(r.inDoubt());
    return tracker.chosenBeforeDurable(r.chosen());
  }

  /**
   * That Ready's records are durable now (CoreDriver.afterDurable).
   *
   * @return values chosen in Readys still unsynced that the chain gets now, after that Ready's chosen values,
   *     because this Ready made their Accepted records durable (CoreDriver's {@code Hooks.chosenEarly})
   */
  public List<ChosenValue> durable(Ready r) {
    tracker.persisted(r.persist());
    tracker.chosenDurable(r.chosen());
    return tracker.deliverable();
  }
}
