package io.paxosql.paxos;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Cuts the two answers that list many values, a catch-up answer and a promise, into messages of at most
 * {@code budget} bytes of values ({@link Value#size()}), so every message stays within about one value's
 * bytes and a transport can bound what it accepts near two values. A value larger than the budget goes in a
 * message of its own (it was accepted under a larger cap; refusing it here would stall whoever needs it).
 * Cuts fall between instances, so a part's instance range is exact.
 */
final class MessageParts {

    private MessageParts() {
    }

    /**
     * One catch-up answer of {@code values} (in instance order) as Values messages within {@code budget};
     * only the last says so. An empty answer is one empty message, which still carries the commit point.
     */
    static List<Message.Values> values(long clusterId, int from, int to, List<ChosenValue> values, long chosenBelow,
                                       int budget) {
        List<Message.Values> out = new ArrayList<>();
        List<ChosenValue> part = new ArrayList<>();
        long bytes = 0;
        for (ChosenValue c : values) {
            int size = c.value().size();
            if (!part.isEmpty() && bytes + size > budget) {
                out.add(new Message.Values(clusterId, from, to, part, chosenBelow, false));
                part = new ArrayList<>();
                bytes = 0;
            }
            part.add(c);
            bytes += size;
        }
        out.add(new Message.Values(clusterId, from, to, part, chosenBelow, true));
        return out;
    }

    /**
     * A promise for {@code prepare} as parts within {@code budget}: at each instance from the prepare's
     * {@code fromInstance} on, the chosen value if {@code chosen} holds it (the candidate ignores reports of
     * chosen instances), else the accepted one. The parts cover [fromInstance, REST) without a gap.
     */
    static List<Message.Promise> promise(long clusterId, int self, Message.Prepare prepare,
                                         NavigableMap<Long, AcceptedValue> accepted, List<ChosenValue> chosen,
                                         int budget) {
        List<Message.Promise> out = new ArrayList<>();
        long partStart = prepare.fromInstance();
        List<AcceptedValue> acc = new ArrayList<>();
        List<ChosenValue> ch = new ArrayList<>();
        long bytes = 0;
        Iterator<ChosenValue> ci = chosen.iterator();
        Iterator<Map.Entry<Long, AcceptedValue>> ai = accepted.tailMap(prepare.fromInstance(), true).entrySet().iterator();
        ChosenValue c = ci.hasNext() ? ci.next() : null;
        AcceptedValue a = ai.hasNext() ? ai.next().getValue() : null;
        while (c != null || a != null) {
            long instance = c == null ? a.instance() : a == null ? c.instance() : Math.min(c.instance(), a.instance());
            boolean takeChosen = c != null && c.instance() == instance;
            int size = takeChosen ? c.value().size() : a.value().size();
            if (bytes > 0 && bytes + size > budget) {
                out.add(new Message.Promise(clusterId, self, prepare.from(), prepare.ballot(), prepare.seq(), partStart,
                        instance, acc, ch));
                partStart = instance;
                acc = new ArrayList<>();
                ch = new ArrayList<>();
                bytes = 0;
            }
            if (takeChosen) {
                ch.add(c);
            } else {
                acc.add(a);
            }
            bytes += size;
            if (c != null && c.instance() == instance) {
                c = ci.hasNext() ? ci.next() : null;
            }
            if (a != null && a.instance() == instance) {
                a = ai.hasNext() ? ai.next().getValue() : null;
            }
        }
        out.add(new Message.Promise(clusterId, self, prepare.from(), prepare.ballot(), prepare.seq(), partStart,
                Message.Promise.REST, acc, ch));
        return out;
    }
}
