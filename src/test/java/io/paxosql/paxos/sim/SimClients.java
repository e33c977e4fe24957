package io.paxosql.paxos.sim;

import io.paxosql.node.replog.SimProposals;
import io.paxosql.paxos.Describe;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.PaxosRole;
import io.paxosql.paxos.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/**
 * The clients of a {@link Simulator} run: proposals to the leader (or to a random node), membership changes,
 * each tracked as the replicated log tracks it, with its answer checked.
 */
final class SimClients {

    private final Simulator s;
    /** The id of the next proposal; the liveness phase waits for one proposed after the faults. */
    long nextProposal = 1;

    SimClients(Simulator s) {
        this.s = s;
    }

    SimNode leaderOrRandom() {
        for (SimNode n : s.nodes) {
            if (n.up && n.core.status().role() == PaxosRole.LEADER) {
                return n;
            }
        }
        return s.nodes.get(s.rnd.nextInt(s.nodes.size()));
    }

    void propose(SimNode n) {
        if (!n.up) {
            return;
        }
        // Large-value runs offer a window or more per tick, so the leader's window stays full.
        int count = s.largeValues ? n.cfg.alpha() + s.rnd.nextInt(n.cfg.alpha()) : 1 + s.rnd.nextInt(3);
        for (int i = 0; i < count; i++) {
            // Large-value runs: each proposal fills most of a value, so every value is nearly as large as a
            // message may carry and each catch-up or promise message holds one value.
            byte[] b = new byte[s.largeValues ? n.cfg.maxBatchBytes() - 48 - s.rnd.nextInt(16) : 1 + s.rnd.nextInt(40)];
            s.rnd.nextBytes(b);
            proposeBytes(n, b, null);
        }
    }

    /**
     * Queues {@code b} in node {@code n}'s core under the next proposal id and tracks it as the log does;
     * {@code also} (if not null) is told the answer too.
     */
    boolean proposeBytes(SimNode n, byte[] b, SimProposals.Answer also) {
        long id = nextProposal;
        if (!n.core.propose(id, b).queuedOk()) {
            return false;
        }
        nextProposal++;
        track(n, id, also);
        s.trace("node " + n.id + " queued proposal " + id);
        return true;
    }

    void track(SimNode n, long id, SimProposals.Answer also) {
        n.proposals.track(id, new SimProposals.Answer() {
            @Override
            public void chosen(long instance, int index) {
                // Answered before any node may have applied it (early completion): the core knows the value.
                Value v = n.core.chosen(instance);
                if (v != null) {
                    s.checker.agree(n.id, instance, v);
                }
                s.checker.completed(n.id, id, instance);
                if (also != null) {
                    also.chosen(instance, index);
                }
            }

            @Override
            public void failed(String why) {
                // dropped ones are checked from the Ready (checker.dropped); in-doubt ones may go either way
                if (also != null) {
                    also.failed(why);
                }
            }
        });
    }

    void changeMembers() {
        SimNode leader = leaderOrRandom();
        if (!leader.up || leader.core.status().role() != PaxosRole.LEADER) {
            return;
        }
        SortedSet<Integer> members = leader.core.membersAt(Long.MAX_VALUE);
        long id = nextProposal++;
        Entry change;
        if (members.size() > 3 && s.rnd.nextBoolean() || members.size() == s.ids.size()) {
            List<Integer> m = new ArrayList<>(members);
            change = new Entry.RemoveMember(id, m.get(s.rnd.nextInt(m.size())));
        } else {
            List<Integer> out = new ArrayList<>(s.ids);
            out.removeAll(members);
            change = new Entry.AddMember(id, out.get(s.rnd.nextInt(out.size())));
        }
        var result = leader.core.proposeMembership(change);
        if (result.queuedOk()) {
            track(leader, id, null);
        }
        s.note("node " + leader.id + " proposes " + Describe.entry(change) + " -> " + result.outcome());
    }
}
