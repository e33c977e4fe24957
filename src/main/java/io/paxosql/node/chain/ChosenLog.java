package io.paxosql.node.chain;

import io.vertx.core.Future;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the chain needs of the replicated Paxos log: propose bytes, and follow what is chosen in log
 * order. Membership changes and no-ops never reach this interface; only proposals do.
 */
public interface ChosenLog {
  /**
   * Proposes {@code bytes}; completes with their position once chosen and durable locally, or
   * fails when this node does not lead (the message names the leader when known).
   */
  Future<LogPosition> propose(byte[] bytes);

  /** The largest {@code bytes} that {@link #propose} takes; the chain splits bigger transactions. */
  int maxProposalBytes();

  /**
   * Delivers every chosen entry at or after {@code from}, in order, on the caller's context: first
   * those already chosen, then each new one as it is chosen. Closing the handle stops delivery.
   */
  AutoCloseable follow(LogPosition from, Consumer<ChosenEntry> listener);

  /** Up to {@code max} chosen entries at or after {@code from}, in order (fewer at the end). */
  Future<List<ChosenEntry>> read(LogPosition from, int max);
}
