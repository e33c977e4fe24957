package io.paxosql.node.replog;

import io.paxosql.log.LogConfig;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.transport.TransportConfig;
import java.time.Duration;

/**
 * Settings of one ReplicatedLog node.
 *
 * @param paxos            the core's settings (ticks are {@code tickMillis} long)
 * @param log              the Chronicle log's settings
 * @param transport        addresses, cluster id and TLS
 * @param tickMillis       the core's clock period
 * @param forwardProposals a follower forwards proposals to the leader (else it rejects with "not leader: <id>")
 * @param memoryValues     chosen values the core keeps in memory; older ones are read from the log
 * @param retention        whether the log deletes what every member applied (within the log's own margins);
 *                         off, the whole log is kept and progress is still exchanged
 * @param retentionEvery   how often progress is exchanged and log retention runs
 * @param progressTimeout  a member silent for longer does not hold back retention
 * @param catchUpBatchBytes bytes per catch-up stream message
 * @param catchUpMaxValues  values per catch-up stream before the follower asks again
 * @param ownerFloor       the owner derives state from the log and tells retention what it still needs
 *                         ({@link ReplicatedLog#localFloor}); until it does, nothing is deleted. Off, the floor
 *                         is what is durable here
 */
public record ReplogOptions(PaxosConfig paxos, LogConfig log, TransportConfig transport, long tickMillis,
                            boolean forwardProposals, int memoryValues, boolean retention, Duration retentionEvery,
                            Duration progressTimeout, int catchUpBatchBytes, int catchUpMaxValues,
                            boolean ownerFloor) {
  /**
   * Largest Paxos value accepted in config. Chronicle Queue refuses an entry above a quarter of its block
   * (64 MiB by default: 16 MiB, measured: 16 MiB written, 17 MiB refused), and an Accepted or Chosen record
   * holds one value plus a few dozen bytes; half that ceiling leaves room without measuring each record.
   */
  public static final int MAX_BATCH_BYTES = 8 << 20;

  public ReplogOptions {
    if (paxos.maxBatchBytes() > MAX_BATCH_BYTES) {
      throw new IllegalArgumentException("paxos.maxBatchBytes " + paxos.maxBatchBytes() + " exceeds "
          + MAX_BATCH_BYTES + ", beyond what one Chronicle log entry holds; lower it (bigger transactions are"
          + " split into several values anyway)");
    }
    if (paxos.nodeId() != transport.nodeId() || paxos.clusterId() != transport.clusterId()) {
      throw new IllegalArgumentException("paxos and transport settings disagree on node id (" + paxos.nodeId() + " vs "
          + transport.nodeId() + ") or cluster id (" + paxos.clusterId() + " vs " + transport.clusterId() + ")");
    }
    if (paxos.firstInstance() != log.firstInstance()) {
      throw new IllegalArgumentException("paxos.firstInstance " + paxos.firstInstance() + " differs from"
          + " log.firstInstance " + log.firstInstance());
    }
    if (tickMillis <= 0 || memoryValues <= 0 || catchUpBatchBytes <= 0 || catchUpMaxValues <= 0) {
      throw new IllegalArgumentException("tickMillis, memoryValues, catchUpBatchBytes and catchUpMaxValues must be > 0");
    }
  }

  /** Without an owner floor (a log nothing is derived from). */
  public ReplogOptions(PaxosConfig paxos, LogConfig log, TransportConfig transport, long tickMillis,
                       boolean forwardProposals, int memoryValues, boolean retention, Duration retentionEvery,
                       Duration progressTimeout, int catchUpBatchBytes, int catchUpMaxValues) {
    this(paxos, log, transport, tickMillis, forwardProposals, memoryValues, retention, retentionEvery,
        progressTimeout, catchUpBatchBytes, catchUpMaxValues, false);
  }

  /** Retention keeps everything until the owner sets its floor ({@link ReplicatedLog#localFloor}). */
  public ReplogOptions withOwnerFloor() {
    return new ReplogOptions(paxos, log, transport, tickMillis, forwardProposals, memoryValues, retention,
        retentionEvery, progressTimeout, catchUpBatchBytes, catchUpMaxValues, true);
  }

  public static ReplogOptions of(PaxosConfig paxos, LogConfig log, TransportConfig transport, long tickMillis) {
    return new ReplogOptions(paxos, log, transport, tickMillis, true, 10_000, true, Duration.ofSeconds(1),
        Duration.ofMinutes(10), 1 << 20, 100_000);
  }

  public ReplogOptions withForwarding(boolean forward) {
    return new ReplogOptions(paxos, log, transport, tickMillis, forward, memoryValues, retention, retentionEvery,
        progressTimeout, catchUpBatchBytes, catchUpMaxValues, ownerFloor);
  }

  /** Retention on, run every {@code every}; a member silent for {@code silentAfter} no longer holds it back. */
  public ReplogOptions withRetention(Duration every, Duration silentAfter) {
    return new ReplogOptions(paxos, log, transport, tickMillis, forwardProposals, memoryValues, true, every,
        silentAfter, catchUpBatchBytes, catchUpMaxValues, ownerFloor);
  }

  /** Retention off: the log keeps every value ever chosen. */
  public ReplogOptions withoutRetention() {
    return new ReplogOptions(paxos, log, transport, tickMillis, forwardProposals, memoryValues, false, retentionEvery,
        progressTimeout, catchUpBatchBytes, catchUpMaxValues, ownerFloor);
  }
}
