package io.paxosql.paxos.scenario;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes campaign in the same round (both passed their pre-votes before either prepared), one wins. The
 * loser must follow the winner at once: name it as leader from the first accept under the winner's ballot,
 * and not keep refusing it because its own acceptor promised its own, higher, losing ballot.
 *
 * <p>Node 2 campaigns under 1.2, node 1 under 1.1; node 3 promises 1.1 first and refuses 1.2 (it honours node
 * 1's campaign), so node 1 leads with 1 and 3 while node 2's acceptor stays promised to 1.2. Before the fix
 * node 2 refused every accept and renewal of node 1 for as long as node 1 led (a 3-node cluster without a
 * spare vote), and named itself, then nobody, as leader. Node 3 campaigns under 1.3 and loses to node 1 in
 * the second case: it stayed "FOLLOWER under 1.3, leader 3" (its own lease view) until that view lapsed.
 */
class ContestedElectionTest {

    /** Nodes {@code a} and {@code b} both pass their pre-votes and send their prepares; none delivered yet. */
    private static ScenarioCluster bothCampaign(String a, String b) {
        ScenarioCluster c = new ScenarioCluster();
        c.run("cluster nodes=1,2,3 lease=10 margin=3 renew=3 election=4");
        c.run("allow " + a + "," + b);
        c.run("tick all 24");
        c.run("ready all");
        c.run("deliver type=PreVote");
        c.run("ready all");
        c.run("deliver type=PreVoteGrant");
        c.run("ready all");
        String state = c.run("state");
        assertTrue(state.contains("node " + a + ": CANDIDATE") && state.contains("node " + b + ": CANDIDATE"),
                "both must campaign: " + state);
        return c;
    }

    private static String line(String state, int node) {
        for (String l : state.split("\n")) {
            if (l.startsWith("  node " + node + ":")) {
                return l;
            }
        }
        throw new AssertionError("no node " + node + " in " + state);
    }

    @Test
    void aMemberPromisedToItsLosingCampaignFollowsTheWinnerWithoutAChangeOfLeader() {
        ScenarioCluster c = bothCampaign("1", "2");
        c.run("deliver from=1 type=Prepare to=3"); // node 3 promises 1.1 and honours node 1's campaign
        c.run("deliver from=2 type=Prepare");       // refused by 1 and 3: lease views of node 1's campaign
        c.run("ready all");
        c.run("deliver type=Promise");              // node 1 leads with 1 and 3
        c.run("deliver from=1 type=Prepare");       // node 2: 1.1 < 1.2, refused
        c.run("stabilize");
        assertTrue(line(c.run("state"), 1).contains("LEADER b=1.1"), c.run("state"));
        // A proposal in flight while node 1 runs phase 1 again must be chosen, not put in doubt.
        c.run("propose 1 11 x");
        c.run("ready 1");
        StringBuilder trace = new StringBuilder();
        for (int t = 0; t < 30; t++) {
            trace.append(c.run("tick all"));
            trace.append(c.run("stabilize"));
        }
        String state = c.run("state");
        assertTrue(line(state, 1).contains("LEADER b=1.1 leader=1"),
                "node 1 keeps leading in the term it won (its status ballot, the master's epoch, unchanged): " + state);
        assertTrue(line(state, 2).contains("FOLLOWER") && line(state, 2).contains("leader=1"),
                "node 2 follows node 1: " + state);
        assertFalse(trace.toString().contains("inDoubt"), "no proposal in doubt:\n" + trace);
        assertTrue(c.run("log 2").contains("[11:x]@1.1"), "node 2 has proposal 11: " + c.run("log 2"));
        assertEquals(c.run("log 1").replace("node 1", ""), c.run("log 2").replace("node 2", ""));
        // Node 2 accepts under node 1's ballot now: it votes for node 1's renewals and values.
        trace.setLength(0);
        for (int t = 0; t < 30; t++) {
            trace.append(c.run("tick all"));
            trace.append(c.run("stabilize"));
        }
        assertFalse(trace.toString().contains("2->1 Nack"), "node 2 refuses node 1 no more:\n" + trace);
        assertTrue(trace.toString().contains("2->1 Grant"), "node 2 grants node 1's renewals:\n" + trace);
    }

    @Test
    void aLosingCandidateNamesTheWinnerFromItsFirstAccept() {
        ScenarioCluster c = bothCampaign("1", "3");
        c.run("deliver from=3 type=Prepare to=2");  // node 2 promises 1.3
        c.run("drop type=Prepare");                  // node 1 never hears of 1.3, nor node 2 of 1.1
        c.run("ready all");
        c.run("deliver type=Promise");               // node 3 leads with 2 and 3
        c.run("ready 3");
        String sent = c.run("msgs");
        assertTrue(sent.contains("3->1 Accept b=1.3"), sent);
        c.run("deliver from=3 to=1 type=Accept count=1");
        String state = c.run("state");
        assertTrue(line(state, 1).contains("FOLLOWER b=1.1") && line(state, 1).contains("leader=3"),
                "node 1 names node 3 from its first accept, not its own lost campaign: " + state);
        // And it grants node 3's first renewal instead of keeping the view of its own campaign.
        StringBuilder trace = new StringBuilder();
        for (int t = 0; t < 4; t++) {
            trace.append(c.run("tick all"));
            trace.append(c.run("stabilize"));
        }
        assertTrue(trace.toString().contains("1->3 Grant"), "node 1 grants node 3's renewals:\n" + trace);
        assertTrue(line(c.run("state"), 1).contains("leader=3"), c.run("state"));
    }
}
