package io.paxosql.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The seeded fault schedule: which fault, aimed at the master or at a node by number, held how long,
 * after how long a quiet gap. Kinds are drawn from a shuffled bag (every kind once before any repeats),
 * so even a short run mixes many kinds. The same seed gives the same schedule; only which node is master
 * when a master-aimed fault starts depends on the run.
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
    /** nftables: the next node (by number) does not hear the target; the target still hears it. */
    ONE_WAY,
    /** nftables: no other node hears the target; the target hears them all. */
    MUTE,
    /** nftables: the target hears no other node; they all hear it. */
    DEAF,
    /**
     * The target's Paxos log disk fills up: it must fail-stop (kill its MariaDB, exit non-zero) and the
     * cluster go on; healing frees the disk and starts the node again. Held from the node's exit.
     */
    DISK_FULL,
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
    return generate(seed, nodes, runMs, EnumSet.noneOf(Kind.class));
  }

  /** The schedule without the kinds in {@code skip} (the bag holds only the others). */
  static FaultPlan generate(long seed, int nodes, long runMs, Set<Kind> skip) {
    Random random = new Random(seed);
    List<Kind> bag = new ArrayList<>();
    List<Step> steps = new ArrayList<>();
    long at = 0;
    while (true) {
      if (bag.isEmpty()) {
        EnumSet<Kind> kinds = EnumSet.allOf(Kind.class);
        kinds.removeAll(skip);
        bag.addAll(kinds);
        Collections.shuffle(bag, random);
      }
      Kind kind = bag.remove(bag.size() - 1);
      int node = random.nextInt(3) == 0 ? 1 + random.nextInt(nodes) : 0;
      long hold = switch (kind) {
        case PAUSE_JVM, PAUSE_MARIADB -> 1_000 + random.nextInt(14_001);
        // A disk-full node stays down this long after it exits (the wait for its exit is bounded apart).
        case KILL_JVM, KILL_MARIADB, KILL_BOTH, FULL_CLUSTER_KILL, DISK_FULL -> 1_000 + random.nextInt(9_001);
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
