package io.paxosql.paxos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every value nearly as large as a message may carry (maxBatchBytes 256, values of 232 bytes), and the
 * leader's window full all the time: a member that was down while the log grew by hundreds of instances
 * restarts and must catch up with the still-growing log within a bound in ticks, and after the leader dies
 * the others must elect a new one from promises that come in parts, some of them lost. Every Values and
 * Promise message must stay within the budget (or carry a single value). A catch-up answer cut to one
 * message per round trip (the reverted attempt, 201baa6) never closes the gap here; the unbounded answer
 * before it breaks the size check.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LargeValuesCatchUpTest {
    private static final int BUDGET = 256;
    private static final int ALPHA = 8;
    private static final int CATCH_UP = 2 * ALPHA;
    /** A proposal of 200 bytes is an entry of 216 and a value of 232: one per value, one value per message. */
    private static final int DATA = 200;
    /** Proposals offered to the leader per tick: more than it chooses (a window per two ticks), so it is never idle. */
    private static final int OFFERED_PER_TICK = ALPHA;
    /** Printable, so a failure's description of a message stays readable. */
    private static final byte[] PAYLOAD = "v".repeat(DATA).getBytes(StandardCharsets.US_ASCII);
    private static final TreeSet<Integer> MEMBERS = new TreeSet<>(List.of(1, 2, 3));

    private final Map<Integer, PaxosNode> nodes = new TreeMap<>();
    private final Map<Integer, MemoryStore> stores = new TreeMap<>();
    private final Set<Integer> down = new HashSet<>();
    /** Acceptors whose next non-last promise part is lost on the wire. */
    private final Set<Integer> losePart = new HashSet<>();
    private List<Message> wire = new ArrayList<>();
    private long tick;
    private long nextProposal = 1;
    private long valuesParts;
    private long promiseParts;
    private long lostParts;

    private static PaxosConfig cfg(int id) {
        return new PaxosConfig(7, id, MEMBERS, 0, 10, 3, 3, 4, 2, ALPHA, BUDGET, 10_000, CATCH_UP);
    }

    @Test
    void aMemberBackFromALongAbsenceCatchesUpWithAGrowingLogAndPromisesInPartsElect() {
        for (int id : MEMBERS) {
            stores.put(id, new MemoryStore(0));
            nodes.put(id, PaxosNode.fresh(cfg(id)));
            nodes.get(id).setCampaignAllowed(true);
        }
        PaxosNode leader = runUntil(200, "a leader with 100 instances chosen", () -> {
            PaxosNode l = leader();
            return l != null && l.firstUnchosen() >= 100 ? l : null;
        });
        int lagger = leader.self() == 3 ? 2 : 3;

        // The lagging member is down while the leader keeps its window full.
        down.add(lagger);
        runFor(100);
        long restartedAt = tick;
        restart(lagger);
        long gap = leader.firstUnchosen() - nodes.get(lagger).firstUnchosen();
        assertTrue(gap >= 10 * CATCH_UP, "the absence left a gap of only " + gap + " instances");
        // It gains about a window per two ticks on a log that grows by one: the gap of ~200 closes in ~100.
        runUntil(300, "member " + lagger + " within two windows of the leader (gap at restart " + gap + ")", () ->
                nodes.get(lagger).firstUnchosen() >= leader().firstUnchosen() - 2L * ALPHA ? leader() : null);
        System.out.printf("large values: member %d closed a gap of %d instances in %d ticks, %d Values messages"
                + " with more to follow%n", lagger, gap, tick - restartedAt, valuesParts);
        assertTrue(valuesParts > 0, "no catch-up answer came in parts: the test did not exercise them");

        // The leader dies; the others elect from promises in parts, the first part of each is lost once.
        int old = leader.self();
        down.add(old);
        losePart.addAll(MEMBERS);
        long before = leader.firstUnchosen();
        PaxosNode next = runUntil(200, "a new leader choosing past instance " + before, () -> {
            PaxosNode l = leader();
            return l != null && l.self() != old && l.firstUnchosen() > before + ALPHA ? l : null;
        });
        assertTrue(promiseParts > 0 && lostParts > 0, "promise parts " + promiseParts + ", lost " + lostParts
                + ": the election did not exercise parts");
        System.out.printf("large values: node %d leads after %d promise parts (%d lost), chosen below %d%n",
                next.self(), promiseParts, lostParts, next.firstUnchosen());
    }

    private interface Probe {
        PaxosNode check();
    }

    private PaxosNode runUntil(int ticks, String what, Probe p) {
        for (int i = 0; i < ticks; i++) {
            step();
            PaxosNode n = p.check();
            if (n != null) {
                return n;
            }
        }
        StringBuilder sb = new StringBuilder();
        nodes.forEach((id, n) -> sb.append("\n  node ").append(id).append(down.contains(id) ? " down " : " up ")
                .append(Describe.status(n.status())));
        throw new AssertionError("no " + what + " within " + ticks + " ticks (tick " + tick + ")" + sb);
    }

    private void runFor(int ticks) {
        for (int i = 0; i < ticks; i++) {
            step();
        }
    }

    /** One tick: everything sent during the last one arrives, every node ticks, the leader gets proposals. */
    private void step() {
        tick++;
        List<Message> arriving = wire;
        wire = new ArrayList<>();
        for (Message m : arriving) {
            if (!down.contains(m.to())) {
                nodes.get(m.to()).step(m);
            }
        }
        for (Map.Entry<Integer, PaxosNode> e : nodes.entrySet()) {
            if (!down.contains(e.getKey())) {
                e.getValue().tick();
            }
        }
        PaxosNode l = leader();
        if (l != null) {
            for (int i = 0; i < OFFERED_PER_TICK; i++) {
                l.propose(nextProposal++, PAYLOAD);
            }
        }
        for (int id : nodes.keySet()) {
            pump(id);
        }
    }

    private void pump(int id) {
        PaxosNode n = nodes.get(id);
        while (!down.contains(id) && n.hasReady()) {
            Ready r = n.ready();
            r.persist().forEach(stores.get(id)::write);
            r.send().forEach(this::send);
            n.advance().forEach(this::send);
        }
    }

    private void send(Message m) {
        if (m instanceof Message.Values v) {
            checkBytes(m, v.values().stream().mapToLong(c -> c.value().size()).sum(), v.values().size());
            valuesParts += v.last() ? 0 : 1;
        } else if (m instanceof Message.Promise p) {
            long bytes = p.accepted().stream().mapToLong(a -> a.value().size()).sum()
                    + p.chosen().stream().mapToLong(c -> c.value().size()).sum();
            checkBytes(m, bytes, p.accepted().size() + p.chosen().size());
            if (!p.isLastPart()) {
                promiseParts++;
                if (losePart.remove(m.from())) {
                    lostParts++;
                    return;
                }
            }
        }
        wire.add(m);
    }

    private static void checkBytes(Message m, long bytes, int count) {
        assertTrue(bytes <= BUDGET || count == 1, "a message of " + count + " values and " + bytes
                + " bytes, over the budget of " + BUDGET + ": " + Describe.message(m));
    }

    private void restart(int id) {
        PaxosNode n = new PaxosNode(cfg(id), stores.get(id).state());
        n.setCampaignAllowed(true);
        nodes.put(id, n);
        down.remove(id);
    }

    private PaxosNode leader() {
        for (Map.Entry<Integer, PaxosNode> e : nodes.entrySet()) {
            if (!down.contains(e.getKey()) && e.getValue().holdsLease()) {
                return e.getValue();
            }
        }
        return null;
    }
}
