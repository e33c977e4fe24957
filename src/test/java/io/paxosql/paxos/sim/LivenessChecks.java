package io.paxosql.paxos.sim;

import io.paxosql.paxos.Status;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * What a {@link Simulator} run checks once the faults are off: the cluster converges, every member follows
 * the lease holder, stalled nodes resume beside a live leader without unseating it, and (node-level runs)
 * every member applies all that is chosen.
 */
final class LivenessChecks {

    private final Simulator s;
    private final FollowerChecker followers = new FollowerChecker();

    LivenessChecks(Simulator s) {
        this.s = s;
    }

    /** {@link FollowerChecker}: within the liveness budget, every running member names the lease holder. */
    void everyMemberFollows() {
        long deadline = s.now + s.livenessTicks * Simulator.PERIOD;
        while (true) {
            SimNode leader = s.holder(null);
            String missing = leader == null ? "no node holds the lease" : followers.notFollowing(leader.id,
                    leader.core.membersAt(leader.core.firstUnchosen()), runningStatuses());
            if (missing == null) {
                return;
            }
            if (s.now > deadline) {
                throw new AssertionError("liveness: a member does not follow the leader " + s.livenessTicks
                        + " ticks after the cluster converged: " + missing + "; " + s.describeNodes());
            }
            s.step();
        }
    }

    Map<Integer, Status> runningStatuses() {
        Map<Integer, Status> out = new TreeMap<>();
        for (SimNode n : s.nodes) {
            if (n.up && n.stalledUntil <= s.now) {
                out.put(n.id, n.core.status());
            }
        }
        return out;
    }

    /**
     * Node-level runs, at the end: clients stop writing and every member of the leader's set applies all
     * that is chosen (bounded), so each member's chain can be checked for every acknowledged transaction.
     */
    Map<Integer, NodeLogic> settle() {
        s.writesOff = true;
        long deadline = s.now + s.livenessTicks * Simulator.PERIOD;
        while (true) {
            SimNode leader = s.holder(null);
            if (leader != null) {
                SortedSet<Integer> members = leader.core.membersAt(leader.core.firstUnchosen());
                long chosenBelow = leader.core.firstUnchosen();
                Map<Integer, NodeLogic> finals = new TreeMap<>();
                int refused = 0;
                for (SimNode n : s.nodes) {
                    if (members.contains(n.id) && n.up && n.appliedBelow >= chosenBelow) {
                        finals.put(n.id, n.logic);
                    } else if (members.contains(n.id) && n.refused) {
                        refused++;
                    }
                }
                if (finals.size() + refused == members.size()) {
                    return finals;
                }
            }
            if (s.now > deadline) {
                throw new AssertionError("liveness: the members did not all apply what was chosen within "
                        + s.livenessTicks + " ticks after the writes stopped; " + s.describeNodes());
            }
            s.step();
        }
    }

    /**
     * After the liveness phase, with the network whole: stall the lease holder for longer than its lease (the
     * others elect a new leader meanwhile), then a follower; each resume must leave the live leader alone.
     */
    void stallProbes() {
        s.net.straggleRate = 0; // a whole network: no message waits for seconds (that alone may end a lease)
        SimNode leader = s.holder(null);
        long view = leader.cfg.leaseTicks() + leader.cfg.leaseMarginTicks();
        long elect = (long) leader.cfg.electionTicks() * s.nodes.size() + 20;
        probe(leader, view + elect + s.rnd.nextLong(0, view + 1), 2 * view + elect);
        SimNode current = s.holder(null);
        if (current == null) {
            return;
        }
        List<SimNode> followers = new ArrayList<>();
        for (SimNode n : s.nodes) {
            if (n != current && n.up && current.core.membersAt(current.core.firstUnchosen()).contains(n.id)) {
                followers.add(n);
            }
        }
        if (!followers.isEmpty()) {
            probe(followers.get(s.rnd.nextInt(followers.size())), 1 + s.rnd.nextLong(0, 2 * (view + elect)), 2 * view + elect);
        }
    }

    void probe(SimNode n, long ticks, long window) {
        s.faultInjection.stallFor(n, ticks);
        s.probed = n.id;
        s.probeWindow = window * Simulator.PERIOD;
        long end = n.stalledUntil + s.probeWindow;
        while (s.now < end) {
            s.step();
        }
    }

    boolean converged(long firstLive) {
        SimNode leader = null;
        for (SimNode n : s.nodes) {
            if (n.up && n.core.holdsLease()) { // a node that refused its log stays down with its last state
                leader = n;
            }
        }
        if (leader == null) {
            return false;
        }
        SortedSet<Integer> members = leader.core.membersAt(leader.core.firstUnchosen());
        for (SimNode n : s.nodes) {
            if (members.contains(n.id) && !n.refused && n.maxAppliedId < firstLive) {
                return false;
            }
        }
        return true;
    }
}
