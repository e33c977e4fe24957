package io.paxosql.node.replog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/** The counters one ReplicatedLog node reports, tagged with its node id. */
record ReplogMetrics(Counter proposals, Counter proposalsFailed, Counter chosenValues,
                     DistributionSummary batchEntries, Counter deliveredEarly) {

  static ReplogMetrics register(MeterRegistry reg, int nodeId) {
    String node = String.valueOf(nodeId);
    return new ReplogMetrics(
        Counter.builder("paxosql.replog.proposals").tag("node", node).register(reg),
        Counter.builder("paxosql.replog.proposals.failed").tag("node", node).register(reg),
        Counter.builder("paxosql.replog.chosen").tag("node", node).register(reg),
        DistributionSummary.builder("paxosql.replog.batch.entries").tag("node", node)
            .description("proposals per chosen value").register(reg),
        Counter.builder("paxosql.replog.delivered.early").tag("node", node)
            .description("chosen values handed to the chain before their Chosen records were durable").register(reg));
  }
}
