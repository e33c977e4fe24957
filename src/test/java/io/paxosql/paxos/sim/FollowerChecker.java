package io.paxosql.paxos.sim;

import io.paxosql.paxos.Describe;
import io.paxosql.paxos.Status;
import java.util.Map;
import java.util.SortedSet;

/**
 * Liveness after the faults: "no member is left out". Once a leader got fresh values chosen everywhere, every
 * running member of its set must, within the liveness budget, name it as leader: a member names the leader
 * only after granting one of its renewals or accepting under its ballot, so a member that still refuses the
 * leader (say it promised a higher ballot of a campaign that lost) fails here even though it learns every
 * chosen value by catch-up. A 3-node cluster with such a member has no spare vote.
 */
final class FollowerChecker {

    /**
     * Who does not follow {@code leader} yet, as text, or null when every running member in {@code members}
     * names it ({@code statuses}: every running, unstalled node's status).
     */
    String notFollowing(int leader, SortedSet<Integer> members, Map<Integer, Status> statuses) {
        for (int m : members) {
            Status s = statuses.get(m);
            if (s != null && m != leader && s.leaderHint() != leader) {
                return "node " + m + " names " + s.leaderHint() + " as leader, not node " + leader + " ("
                        + Describe.status(s) + ")";
            }
        }
        return null;
    }
}
