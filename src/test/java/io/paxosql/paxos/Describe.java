package io.paxosql.paxos;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** Short, stable text for messages, records and values in scenario output and failure reports. */
public final class Describe {

    private Describe() {
    }

    public static String value(Value v) {
        if (v.isNoop()) {
            return "noop@" + v.epoch();
        }
        return v.entries().stream().map(Describe::entry).collect(Collectors.joining(",", "[", "]")) + "@" + v.epoch();
    }

    public static String entry(Entry e) {
        if (e instanceof Entry.Data d) {
            return d.proposalId() + ":" + new String(d.bytes(), StandardCharsets.UTF_8);
        }
        if (e instanceof Entry.AddMember a) {
            return a.proposalId() + ":+" + a.node();
        }
        return e.proposalId() + ":-" + ((Entry.RemoveMember) e).node();
    }

    public static String message(Message m) {
        String head = m.from() + "->" + m.to() + " ";
        if (m instanceof Message.Prepare p) {
            return head + "Prepare b=" + p.ballot() + " from=" + p.fromInstance() + " seq=" + p.seq();
        }
        if (m instanceof Message.PreVote v) {
            return head + "PreVote b=" + v.ballot() + " from=" + v.fromInstance();
        }
        if (m instanceof Message.PreVoteGrant g) {
            return head + "PreVoteGrant b=" + g.ballot();
        }
        if (m instanceof Message.Promise p) {
            return head + "Promise b=" + p.ballot() + " seq=" + p.seq() + " from=" + p.fromInstance()
                    + (p.isLastPart() ? "" : " until=" + p.untilInstance())
                    + " accepted=" + p.accepted().stream().map(a -> a.instance() + "@" + a.ballot() + "=" + value(a.value()))
                    .collect(Collectors.toList())
                    + " chosen=" + chosen(p.chosen());
        }
        if (m instanceof Message.Nack k) {
            return head + "Nack b=" + k.ballot() + " promised=" + k.promised() + " " + k.reason() + " chosenBelow=" + k.chosenBelow();
        }
        if (m instanceof Message.Accept a) {
            return head + "Accept b=" + a.ballot() + " i=" + a.instance() + " v=" + value(a.value()) + " chosenBelow=" + a.chosenBelow();
        }
        if (m instanceof Message.Accepted a) {
            return head + "Accepted b=" + a.ballot() + " i=" + a.instance();
        }
        if (m instanceof Message.Commit c) {
            return head + "Commit b=" + c.ballot() + " chosenBelow=" + c.chosenBelow();
        }
        if (m instanceof Message.Renew r) {
            return head + "Renew b=" + r.ballot() + " seq=" + r.seq() + " chosenBelow=" + r.chosenBelow();
        }
        if (m instanceof Message.Grant g) {
            return head + "Grant b=" + g.ballot() + " seq=" + g.seq();
        }
        if (m instanceof Message.CatchUp c) {
            return head + "CatchUp from=" + c.fromInstance() + " max=" + c.max();
        }
        if (m instanceof Message.Values v) {
            return head + "Values " + chosen(v.values()) + " chosenBelow=" + v.chosenBelow() + (v.last() ? "" : " more");
        }
        Message.SnapshotNeeded s = (Message.SnapshotNeeded) m;
        return head + "SnapshotNeeded firstRetained=" + s.firstRetained() + " chosenBelow=" + s.chosenBelow();
    }

    public static String chosen(List<ChosenValue> cs) {
        return cs.stream().map(c -> c.instance() + "=" + value(c.value())).collect(Collectors.joining(" ", "[", "]"));
    }

    public static String durable(Durable d) {
        if (d instanceof Durable.Promised p) {
            return "Promised " + p.ballot();
        }
        if (d instanceof Durable.Accepted a) {
            return "Accepted i=" + a.instance() + " b=" + a.ballot() + " v=" + value(a.value());
        }
        if (d instanceof Durable.Chosen c) {
            return "Chosen i=" + c.instance() + " v=" + value(c.value());
        }
        Durable.Members m = (Durable.Members) d;
        return "Members from=" + m.effectiveFrom() + " " + m.members();
    }

    public static String status(Status s) {
        return s.role() + " b=" + s.ballot() + " leader=" + s.leaderHint()
                + " lease=" + (s.leaseUntil() < 0 ? "none" : "until " + s.leaseUntil()) + " firstUnchosen=" + s.firstUnchosen();
    }
}
