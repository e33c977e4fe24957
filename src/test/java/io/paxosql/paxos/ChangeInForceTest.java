package io.paxosql.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A chosen membership change takes effect alpha instances later. In an idle cluster nothing else is
 * proposed, so the leader moves the log on with no-ops; without them an added member would never vote
 * (and the next change could never be proposed) until clients happened to write alpha values.
 */
class ChangeInForceTest {

    private static final TreeSet<Integer> MEMBERS = new TreeSet<>(List.of(1, 2, 3));
    private static final long FIRST = 100;
    private static final int ALPHA = 4;

    /** Node 1 leads; node 2 (and node 4 once asked) grants, promises and accepts whatever node 1 sends. */
    private static PaxosNode leaderWithOneLoyalAcceptor() {
        PaxosNode n = PaxosNode.fresh(new PaxosConfig(7, 1, MEMBERS, FIRST, 10, 3, 3, 4, 2, ALPHA, 1024, 100, 10));
        n.setCampaignAllowed(true);
        for (int i = 0; i < 60 && n.status().role() != PaxosRole.LEADER; i++) {
            n.tick();
            pump(n);
        }
        assertEquals(PaxosRole.LEADER, n.status().role());
        return n;
    }

    private static void pump(PaxosNode n) {
        pump(n, Set.of(2, 4));
    }

    /** Hands out Readys while the node has one, as CoreDriver.drive does; only nodes in {@code answering} reply. */
    private static void pump(PaxosNode n, Set<Integer> answering) {
        for (int round = 0; round < 100 && n.hasReady(); round++) {
            List<Message> out = new ArrayList<>(n.ready().send());
            out.addAll(n.advance());
            for (Message m : out) {
                int to = m.to();
                if (!answering.contains(to)) {
                    continue; // node 3 is down; node 4 answers once it is added, unless it is silent
                }
                if (m instanceof Message.PreVote v) {
                    n.step(new Message.PreVoteGrant(7, to, 1, v.ballot()));
                } else if (m instanceof Message.Prepare p) {
                    n.step(new Message.Promise(7, to, 1, p.ballot(), p.seq(), n.firstUnchosen(), List.of(), List.of()));
                } else if (m instanceof Message.Accept a) {
                    n.step(new Message.Accepted(7, to, 1, a.ballot(), a.instance()));
                }
            }
        }
    }

    @Test
    void anAddedMemberVotesWithoutFurtherProposals() {
        PaxosNode n = leaderWithOneLoyalAcceptor();
        assertTrue(n.proposeMembership(new Entry.AddMember(42, 4)).queuedOk());
        for (int i = 0; i < 20 && !n.membersAt(n.firstUnchosen()).contains(4); i++) {
            pump(n);
            n.tick();
        }
        assertEquals(new TreeSet<>(List.of(1, 2, 3, 4)), n.membersAt(n.firstUnchosen()),
                "the change is in force at instance " + n.firstUnchosen());
        assertTrue(n.proposeMembership(new Entry.RemoveMember(43, 3)).queuedOk(), "the next change can follow");
    }

    /**
     * A joiner that never promises blocks every instance from the one where it votes, and a leader then
     * has nothing it can propose. It must say so: an owner loops while hasReady() is true, and a leader
     * claiming work its fill cannot do spun the node's event loop forever, so the tick that asks the
     * joiner again never ran (MembershipIntegrationTest, CI of 2026-12-06).
     */
    @Test
    void aLeaderBlockedByASilentJoinerHasNoReadyToHandOut() {
        PaxosNode n = leaderWithOneLoyalAcceptor();
        assertTrue(n.proposeMembership(new Entry.AddMember(42, 4)).queuedOk());
        for (int i = 0; i < 20 && !n.membersAt(n.firstUnchosen()).contains(4); i++) {
            pump(n, Set.of(2));
            n.tick();
        }
        assertEquals(new TreeSet<>(List.of(1, 2, 3, 4)), n.membersAt(n.firstUnchosen()));
        assertTrue(n.propose(77, new byte[] {1, 2, 3}).queuedOk());
        int rounds = 0;
        while (n.hasReady() && rounds < 1_000) {
            n.ready();
            n.advance();
            rounds++;
        }
        assertTrue(rounds < 1_000, "hasReady() stayed true through " + rounds + " empty rounds");
        boolean asked = false;
        for (int i = 0; i < 10 && !asked; i++) {
            n.tick();
            for (int round = 0; round < 100 && n.hasReady() && !asked; round++) {
                // A Prepare leaves once its ballot is durable: with advance(), not in the Ready itself.
                List<Message> out = new ArrayList<>(n.ready().send());
                out.addAll(n.advance());
                asked = out.stream().anyMatch(m -> m instanceof Message.Prepare && m.to() == 4);
            }
        }
        assertTrue(asked, "the ticks ask the silent joiner again");
    }
}
