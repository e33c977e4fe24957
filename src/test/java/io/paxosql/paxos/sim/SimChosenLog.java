package io.paxosql.paxos.sim;

import io.paxosql.node.chain.ChosenEntry;
import io.paxosql.node.chain.ChosenLog;
import io.paxosql.node.chain.LogPosition;
import io.paxosql.node.replog.SimProposals;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Value;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.function.Consumer;

/**
 * The replicated log as the real {@link io.paxosql.node.chain.ChainedLog} sees it, over one simulated node:
 * a proposal is queued in the node's core and completes when the replicated log's real tracker answers it
 * (as {@code ReplicatedLog.propose} does; a core that refuses it fails it at once), and the chosen values the
 * simulator applies reach the chain in order. No futures wait on a Vert.x context: each completes inside the
 * simulated event that decides it.
 */
final class SimChosenLog implements ChosenLog {
  /** Queues {@code bytes} in the node's core and tracks it; false if the core refused it. */
  interface Core {
    boolean propose(byte[] bytes, SimProposals.Answer answer);
  }

  private final Core core;
  private final int maxProposalBytes;
  private Consumer<ChosenEntry> listener;
  private LogPosition from = LogPosition.START;

  SimChosenLog(Core core, int maxProposalBytes) {
    this.core = core;
    this.maxProposalBytes = maxProposalBytes;
  }

  @Override
  public Future<LogPosition> propose(byte[] bytes) {
    Promise<LogPosition> p = Promise.promise();
    boolean queued = core.propose(bytes, new SimProposals.Answer() {
      @Override
      public void chosen(long instance, int index) {
        p.tryComplete(new LogPosition(instance, index));
      }

      @Override
      public void failed(String why) {
        p.tryFail(why);
      }
    });
    if (!queued) {
      p.tryFail("the core refused the proposal (not leader, or its queue is full)");
    }
    return p.future();
  }

  @Override
  public int maxProposalBytes() {
    return maxProposalBytes;
  }

  @Override
  public AutoCloseable follow(LogPosition from, Consumer<ChosenEntry> listener) {
    this.from = from;
    this.listener = listener;
    return () -> this.listener = null;
  }

  /** The chain reads transactions back only for binlog readers, which the simulator does not run. */
  @Override
  public Future<List<ChosenEntry>> read(LogPosition from, int max) {
    return Future.failedFuture(new UnsupportedOperationException("the simulator runs no binlog readers"));
  }

  /**
   * The node applied the chosen value {@code v} at {@code instance}: each proposal in it reaches the chain
   * (membership changes are the core's); {@code after} is told each position once the chain took it.
   */
  void deliver(long instance, Value v, Consumer<LogPosition> after) {
    List<Entry> entries = v.entries();
    for (int index = 0; index < entries.size(); index++) {
      LogPosition at = new LogPosition(instance, index);
      if (entries.get(index) instanceof Entry.Data d && listener != null && at.compareTo(from) >= 0) {
        listener.accept(new ChosenEntry(at, d.bytes()));
        after.accept(at);
      }
    }
  }
}
