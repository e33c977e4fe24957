package io.paxosql.paxos.sim;

import io.paxosql.paxos.Message;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Decides the fate of each message: lost, delayed (which reorders), duplicated, or blocked by a partition.
 * Partitions block directed links, so one-way (asymmetric) partitions are as easy as symmetric ones.
 */
final class SimNetwork {

    private final SplittableRandom rnd;
    private final Set<Long> blocked = new HashSet<>();
    double dropRate;
    double duplicateRate;
    long maxDelay;
    double straggleRate;
    long straggleDelay = 1;

    SimNetwork(SplittableRandom rnd, double dropRate, double duplicateRate, long maxDelay) {
        this.rnd = rnd;
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.maxDelay = maxDelay;
    }

    /** Delivery delays for one send: empty if lost, two if duplicated. */
    long[] delays(Message m) {
        if (blocked.contains(link(m.from(), m.to())) || rnd.nextDouble() < dropRate) {
            return new long[0];
        }
        long d = 1 + rnd.nextLong(maxDelay);
        if (rnd.nextDouble() < straggleRate) {
            d += rnd.nextLong(straggleDelay); // a message stuck in some queue for a long while
        }
        if (rnd.nextDouble() < duplicateRate) {
            return new long[] {d, 1 + rnd.nextLong(maxDelay * 2)};
        }
        return new long[] {d};
    }

    /** Cuts the cluster in two; one-way if {@code oneWay}, in which case only side A cannot reach side B. */
    String partition(List<Integer> nodes, boolean oneWay) {
        heal();
        Set<Integer> a = new HashSet<>();
        for (int n : nodes) {
            if (rnd.nextBoolean()) {
                a.add(n);
            }
        }
        for (int x : nodes) {
            for (int y : nodes) {
                if (a.contains(x) && !a.contains(y)) {
                    blocked.add(link(x, y));
                    if (!oneWay) {
                        blocked.add(link(y, x));
                    }
                }
            }
        }
        return (oneWay ? "one-way partition " : "partition ") + a + " | rest";
    }

    /** Blocks a few random directed links. */
    String cutLinks(List<Integer> nodes) {
        int k = 1 + rnd.nextInt(nodes.size());
        StringBuilder sb = new StringBuilder("cut");
        for (int i = 0; i < k; i++) {
            int x = nodes.get(rnd.nextInt(nodes.size()));
            int y = nodes.get(rnd.nextInt(nodes.size()));
            if (x != y) {
                blocked.add(link(x, y));
                sb.append(' ').append(x).append("->").append(y);
            }
        }
        return sb.toString();
    }

    void heal() {
        blocked.clear();
    }

    private static long link(int from, int to) {
        return ((long) from << 32) | (to & 0xffffffffL);
    }
}
