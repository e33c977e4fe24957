package io.paxosql.paxos.sim;

import io.paxosql.paxos.sim.SimEvents.Kind;

import java.util.SortedSet;

/**
 * The faults a {@link Simulator} run injects while faults are on: MariaDB failures, crashes, partitions,
 * campaign toggles, membership changes, compaction, and stalled event loops that catch up on their ticks.
 */
final class SimFaults {

    private final Simulator s;

    SimFaults(Simulator s) {
        this.s = s;
    }

    /** The random faults of this moment (faults phase only). */
    void tick() {
        if (s.nodeLevel && s.rnd.nextDouble() < s.mariaDbFailRate) {
            SimNode x = s.nodes.get(s.rnd.nextInt(s.nodes.size()));
            if (x.up) {
                long until = s.now + Simulator.PERIOD * s.rnd.nextLong(1, 40);
                x.logic.mariaDbFails(x.core, s.now, until);
                s.note("node " + x.id + "'s MariaDB fails until " + until);
            }
        }
        if (s.rnd.nextDouble() < s.crashRate) {
            s.driver.crash(s.nodes.get(s.rnd.nextInt(s.nodes.size())));
        }
        if (s.rnd.nextDouble() < s.partitionRate) {
            int k = s.rnd.nextInt(4);
            s.note(k == 0 ? s.net.partition(s.ids, false) : k == 1 ? s.net.partition(s.ids, true)
                    : k == 2 ? s.net.cutLinks(s.ids) : healed());
        }
        if (!s.nodeLevel && s.rnd.nextDouble() < s.toggleRate) {
            SimNode x = s.nodes.get(s.rnd.nextInt(s.nodes.size()));
            boolean allow = s.rnd.nextInt(3) != 0;
            x.core.setCampaignAllowed(allow);
            s.note("node " + x.id + " campaign " + (allow ? "on" : "off"));
        }
        if (s.rnd.nextDouble() < s.memberRate) {
            s.clients.changeMembers();
        }
        if (!s.nodeLevel && s.rnd.nextDouble() < 0.02) {
            // Node-level runs keep every value: a restarted chain replays what it had not applied.
            compact(s.nodes.get(s.rnd.nextInt(s.nodes.size())));
        }
        if (s.rnd.nextDouble() < s.stallRate) {
            stall(s.nodes.get(s.rnd.nextInt(s.nodes.size())));
        }
    }

    /** The node's event loop stops (GC, an overloaded machine) for up to a few leases. */
    void stall(SimNode n) {
        if (n.stalledUntil > s.now) {
            return;
        }
        stallFor(n, 1 + s.rnd.nextLong(0, 3L * (n.cfg.leaseTicks() + n.cfg.leaseMarginTicks())));
    }

    void stallFor(SimNode n, long ticks) {
        n.stalledUntil = s.now + ticks * Simulator.PERIOD;
        n.missedTicks = 0;
        s.schedule(n.stalledUntil, Kind.RESUME, n.id, 0, null);
        s.note("node " + n.id + " stalls for " + ticks + " ticks");
    }

    /** The first thing a node does after a stall: tick as often as it missed, so its clock is real time again. */
    void resume(SimNode n) {
        n.stalledUntil = -1;
        if (n.id == s.probed) {
            s.probed = -1;
            SimNode leader = s.holder(n);
            // Only a leader that keeps a majority without the woken node, and has lease enough left for a
            // renewal round (one just won in a slow election may not), can be asked to stay leader.
            SortedSet<Integer> members = leader == null ? null : leader.core.membersAt(leader.core.firstUnchosen());
            if (leader != null && members.stream().filter(m -> m != n.id).count() > members.size() / 2
                    && leader.core.status().leaseUntil() - leader.core.now() > leader.cfg.renewTicks() + 2) {
                s.stable.watch(n.id, leader.id, leader.core.status().ballot(), s.now, s.probeWindow);
                s.note("probe: node " + n.id + " resumes while node " + leader.id + " leads");
            }
        }
        if (n.up) {
            for (long i = 0; i < n.missedTicks; i++) {
                n.core.tick();
            }
        }
        s.note("node " + n.id + " resumes after " + n.missedTicks + " missed ticks");
        n.missedTicks = 0;
    }

    String healed() {
        s.net.heal();
        return "heal";
    }

    /** Drops retained values every node already holds durably, so no one ever needs a snapshot here. */
    void compact(SimNode n) {
        if (!n.up) {
            return;
        }
        long safe = Long.MAX_VALUE;
        for (SimNode x : s.nodes) {
            safe = Math.min(safe, x.storage.firstUnchosen());
        }
        long below = Math.min(safe, n.core.firstUnchosen()) - 1;
        if (below > n.core.firstRetained()) {
            n.core.compact(below);
            n.storage.compact(below);
            s.note("node " + n.id + " compacts below " + below);
        }
    }
}
