package io.paxosql.paxos;

/** The highest ballot round a message carries in any field, for the plausibility check at the door. */
final class MessageBallots {
    private MessageBallots() {}

    static long highestRound(Message m) {
        if (m instanceof Message.Prepare p) {
            return p.ballot().round();
        } else if (m instanceof Message.Promise p) {
            long r = p.ballot().round();
            for (AcceptedValue a : p.accepted()) {
                r = Math.max(r, Math.max(a.ballot().round(), a.value().epoch().round()));
            }
            return r;
        } else if (m instanceof Message.PreVote v) {
            return v.ballot().round();
        } else if (m instanceof Message.PreVoteGrant g) {
            return g.ballot().round();
        } else if (m instanceof Message.Nack k) {
            return Math.max(k.ballot().round(), k.promised().round());
        } else if (m instanceof Message.Accept a) {
            return Math.max(a.ballot().round(), a.value().epoch().round());
        } else if (m instanceof Message.Accepted a) {
            return a.ballot().round();
        } else if (m instanceof Message.Commit c) {
            return c.ballot().round();
        } else if (m instanceof Message.Renew r) {
            return r.ballot().round();
        } else if (m instanceof Message.Grant g) {
            return g.ballot().round();
        }
        // CatchUp, Values, SnapshotNeeded carry no ballot that anyone promises or adopts.
        return 0;
    }
}
