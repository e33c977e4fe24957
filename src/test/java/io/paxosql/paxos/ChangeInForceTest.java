package io.paxosql.paxos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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
        for (int round = 0; round < 100 && n.hasReady(); round++) {
            List<Message> out = new ArrayList<>(n.ready().send());
            out.addAll(n.advance());
            for (Message m : out) {
                int to = m.to();
                if (to != 2 && to != 4) {
                    continue; // node 3 is down; node 4 answers once it is added
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
}
