package io.paxosql.paxos.sim;

import java.util.SplittableRandom;

/**
 * When each node's clock ticks in simulated real time: node tick number g fires at g * period plus an
 * offset within [-skew, +skew], so at any moment two nodes' tick counts differ by at most one plus what
 * the skew allows. A tick counts the same on every node; only when it fires differs.
 */
final class SimClock {

    final long period;
    final long skew;
    private final SplittableRandom rnd;

    SimClock(SplittableRandom rnd, long period, long skew) {
        if (2 * skew >= period) {
            throw new IllegalArgumentException("skew " + skew + " must stay below half the tick period " + period);
        }
        this.rnd = rnd;
        this.period = period;
        this.skew = skew;
    }

    long tickTime(long grid) {
        return grid * period + (skew == 0 ? 0 : rnd.nextLong(-skew, skew + 1));
    }

    /**
     * Clock chaos, beyond any bound: node clocks run at their own rate (as slow as half, as fast as one and
     * a half times real time). Leases may then overlap; the chosen log must stay safe regardless.
     */
    long chaoticTickTime(long grid, double rate) {
        return (long) (grid * period / rate) + (skew == 0 ? 0 : rnd.nextLong(-skew, skew + 1));
    }

    /**
     * The follower margin that keeps leases apart under this skew: a grant can reach the follower up to a
     * period plus two skews after the leader's tick, and the two expiries may fire up to two skews apart.
     */
    static int marginFor(long period, long skew) {
        return (int) ((period + 4 * skew) / period) + 1;
    }
}
