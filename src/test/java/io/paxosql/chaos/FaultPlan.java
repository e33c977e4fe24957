package io.paxosql.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The seeded fault schedule: which fault, aimed at the master or at a node by number, held how long,
 * after how long a quiet gap. The same seed gives the same schedule; only which node is master when a
 * master-aimed fault starts depends on the run.
 */
record FaultPlan(List<Step> steps) {
  enum Kind {
    KILL_JVM, KILL_MARIADB, KILL_BOTH, PAUSE_JVM, PAUSE_MARIADB,
    /** The node's link to the bridge down: cut off from everyone, clients included. */
    ISOLATE,
    /** Routes: the node and the other two drop each other's packets; clients still reach all. */
    MINORITY,
    /** Routes: the two other nodes drop each other's packets; the target still sees both. */
    BRIDGE,
    /** Routes: the node drops what it sends to the others; they still send to it. */
    ONE_WAY,
    FULL_CLUSTER_KILL
  }

  /** {@code node} 0 means "the master when the fault starts". */
  record Step(Kind kind, int node, long holdMs, long gapMs) {
    @Override
    public String toString() {
      return kind + " " + (node == 0 ? "master" : "n" + node) + " for " + holdMs + " ms after " + gapMs + " ms";
    }
  }

  static FaultPlan generate(long seed, int nodes, long runMs) {
    Random random = new Random(seed);
    Kind[] kinds = Kind.values();
    List<Step> steps = new ArrayList<>();
    long at = 0;
    while (true) {
      Kind kind = kinds[random.nextInt(kinds.length)];
      int node = random.nextInt(3) == 0 ? 1 + random.nextInt(nodes) : 0;
      long hold = switch (kind) {
        case PAUSE_JVM, PAUSE_MARIADB -> 1_000 + random.nextInt(14_001);
        case KILL_JVM, KILL_MARIADB, KILL_BOTH, FULL_CLUSTER_KILL -> 1_000 + random.nextInt(9_001);
        default -> 3_000 + random.nextInt(15_001);
      };
      long gap = 4_000 + random.nextInt(8_001);
      at += gap + hold;
      if (at > runMs) {
        return new FaultPlan(steps);
      }
      steps.add(new Step(kind, kind == Kind.FULL_CLUSTER_KILL ? 0 : node, hold, gap));
    }
  }
}
