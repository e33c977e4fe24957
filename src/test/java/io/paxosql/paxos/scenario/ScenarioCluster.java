package io.paxosql.paxos.scenario;

import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Describe;
import io.paxosql.paxos.Durable;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.MemoryStore;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.ProposeResult;
import io.paxosql.paxos.Ready;
import io.paxosql.paxos.Value;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * Interprets one scenario command at a time against in-memory nodes and a message queue that only moves
 * when told to. Persistence is immediate, so a crash loses nothing written before it.
 */
final class ScenarioCluster {

    private final TreeMap<Integer, PaxosNode> nodes = new TreeMap<>();
    private final TreeMap<Integer, MemoryStore> stores = new TreeMap<>();
    private final TreeMap<Integer, PaxosConfig> configs = new TreeMap<>();
    private final List<Message> queue = new ArrayList<>();
    /** Stalled nodes and the ticks each missed: they tick, read and write nothing until resumed. */
    private final TreeMap<Integer, Integer> stalled = new TreeMap<>();
    private final StringBuilder out = new StringBuilder();

    String run(String line) {
        out.setLength(0);
        String[] w = line.trim().split("\\s+");
        Map<String, String> kv = new LinkedHashMap<>();
        List<String> args = new ArrayList<>();
        for (int i = 1; i < w.length; i++) {
            int eq = w[i].indexOf('=');
            if (eq > 0) {
                kv.put(w[i].substring(0, eq), w[i].substring(eq + 1));
            } else {
                args.add(w[i]);
            }
        }
        switch (w[0]) {
            case "cluster" -> cluster(kv);
            case "allow" -> forNodes(args.get(0), n -> n.setCampaignAllowed(!args.contains("off")));
            case "resign" -> forNodes(args.get(0), PaxosNode::resign);
            case "tick" -> {
                int count = args.size() > 1 ? Integer.parseInt(args.get(1)) : 1;
                for (int i = 0; i < count; i++) {
                    forIds(args.get(0), id -> {
                        if (stalled.containsKey(id)) {
                            stalled.merge(id, 1, Integer::sum);
                        } else if (nodes.containsKey(id)) {
                            nodes.get(id).tick();
                        }
                    });
                }
            }
            case "stall" -> forIds(args.get(0), id -> {
                stalled.put(id, 0);
                line("  node " + id + " stalls");
            });
            case "resume" -> forIds(args.get(0), id -> {
                // As the replicated log does after a stall: tick as often as it missed, before anything else.
                int missed = stalled.remove(id);
                for (int i = 0; i < missed; i++) {
                    nodes.get(id).tick();
                }
                line("  node " + id + " resumes after " + missed + " missed ticks");
            });
            case "ready" -> forIds(args.isEmpty() ? "all" : args.get(0), this::ready);
            case "deliver" -> move(kv, true);
            case "drop" -> move(kv, false);
            case "msgs" -> queue.forEach(m -> line("  " + Describe.message(m)));
            case "stabilize" -> stabilize();
            case "propose" -> {
                ProposeResult r = node(args.get(0)).propose(Long.parseLong(args.get(1)),
                        args.get(2).getBytes(StandardCharsets.UTF_8));
                line("  " + r.outcome() + (r.queuedOk() ? "" : " leaderHint=" + r.leaderHint()));
            }
            case "add-member", "remove-member" -> {
                long id = Long.parseLong(args.get(1));
                int member = Integer.parseInt(args.get(2));
                Entry e = w[0].equals("add-member") ? new Entry.AddMember(id, member) : new Entry.RemoveMember(id, member);
                ProposeResult r = node(args.get(0)).proposeMembership(e);
                line("  " + r.outcome());
            }
            case "add-node" -> {
                int id = Integer.parseInt(args.get(0));
                PaxosConfig c = configs.firstEntry().getValue().withNode(id);
                configs.put(id, c);
                stores.put(id, new MemoryStore(c.firstInstance()));
                nodes.put(id, PaxosNode.fresh(c));
            }
            case "crash" -> {
                int id = Integer.parseInt(args.get(0));
                nodes.remove(id);
                line("  node " + id + " crashed");
            }
            case "restart" -> {
                int id = Integer.parseInt(args.get(0));
                nodes.put(id, new PaxosNode(configs.get(id), stores.get(id).state()));
                line("  node " + id + " restarted at firstUnchosen=" + nodes.get(id).firstUnchosen());
            }
            case "compact" -> {
                int id = Integer.parseInt(args.get(0));
                long below = Long.parseLong(args.get(1));
                nodes.get(id).compact(below);
                stores.get(id).compact(below);
            }
            case "state" -> nodes.forEach((id, n) -> line("  node " + id + ": " + Describe.status(n.status())
                    + " retained=" + n.firstRetained() + " members=" + n.membersAt(n.firstUnchosen())));
            case "log" -> forIds(args.isEmpty() ? "all" : args.get(0), id -> {
                PaxosNode n = nodes.get(id);
                List<String> vs = new ArrayList<>();
                for (long i = n.firstRetained(); i < n.firstUnchosen(); i++) {
                    Value v = n.chosen(i);
                    vs.add(i + "=" + Describe.value(v));
                }
                line("  node " + id + ": " + String.join(" ", vs));
            });
            default -> throw new IllegalArgumentException("unknown scenario command '" + w[0] + "' in: " + line);
        }
        return out.toString();
    }

    private void cluster(Map<String, String> kv) {
        TreeSet<Integer> members = new TreeSet<>();
        for (String s : kv.getOrDefault("nodes", "1,2,3").split(",")) {
            members.add(Integer.parseInt(s));
        }
        long first = Long.parseLong(kv.getOrDefault("first", "0"));
        for (int id : members) {
            PaxosConfig c = new PaxosConfig(7, id, members, first, i(kv, "lease", 10), i(kv, "margin", 3),
                    i(kv, "renew", 3), i(kv, "election", 4), i(kv, "retransmit", 2), i(kv, "alpha", 4),
                    i(kv, "batch", 1024), 1000, i(kv, "catchup", 100));
            configs.put(id, c);
            stores.put(id, new MemoryStore(first));
            nodes.put(id, PaxosNode.fresh(c));
        }
    }

    private static int i(Map<String, String> kv, String k, int def) {
        return Integer.parseInt(kv.getOrDefault(k, Integer.toString(def)));
    }

    private void ready(int id) {
        PaxosNode n = nodes.get(id);
        if (n == null || stalled.containsKey(id) || !n.hasReady()) {
            return;
        }
        Ready r = n.ready();
        line("  node " + id + " ready:");
        for (Durable d : r.persist()) {
            stores.get(id).write(d);
            line("    persist " + Describe.durable(d));
        }
        for (Message m : r.send()) {
            queue.add(m);
            line("    send " + Describe.message(m));
        }
        for (ChosenValue c : r.chosen()) {
            line("    chosen " + c.instance() + "=" + Describe.value(c.value()));
        }
        if (r.status() != null) {
            line("    status " + Describe.status(r.status()));
        }
        if (!r.dropped().isEmpty()) {
            line("    dropped " + r.dropped());
        }
        if (!r.inDoubt().isEmpty()) {
            line("    inDoubt " + r.inDoubt());
        }
        if (r.snapshotNeeded() != null) {
            line("    snapshotNeeded " + Describe.message(r.snapshotNeeded()));
        }
        for (Message m : n.advance()) {
            queue.add(m);
            line("    send after persist " + Describe.message(m));
        }
    }

    private void move(Map<String, String> kv, boolean deliver) {
        Predicate<Message> match = m -> (!kv.containsKey("from") || kv.get("from").equals(Integer.toString(m.from())))
                && (!kv.containsKey("to") || kv.get("to").equals(Integer.toString(m.to())))
                && (!kv.containsKey("type") || kv.get("type").equals(m.getClass().getSimpleName()));
        int limit = Integer.parseInt(kv.getOrDefault("count", Integer.toString(Integer.MAX_VALUE)));
        List<Message> picked = new ArrayList<>();
        for (Iterator<Message> it = queue.iterator(); it.hasNext() && picked.size() < limit; ) {
            Message m = it.next();
            if (match.test(m) && !(deliver && stalled.containsKey(m.to()))) { // a stalled node's input waits
                picked.add(m);
                it.remove();
            }
        }
        for (Message m : picked) {
            PaxosNode target = nodes.get(m.to());
            if (!deliver || target == null) {
                line("  dropped " + Describe.message(m));
            } else {
                line("  " + Describe.message(m));
                target.step(m);
            }
        }
    }

    private void stabilize() {
        for (int round = 0; round < 1000; round++) {
            boolean any = false;
            for (int id : new ArrayList<>(nodes.keySet())) {
                if (!stalled.containsKey(id) && nodes.get(id).hasReady()) {
                    ready(id);
                    any = true;
                }
            }
            if (queue.stream().anyMatch(m -> !stalled.containsKey(m.to()))) {
                move(Map.of(), true);
                any = true;
            }
            if (!any) {
                return;
            }
        }
        throw new IllegalStateException("stabilize did not settle in 1000 rounds");
    }

    private void forNodes(String spec, Consumer<PaxosNode> f) {
        forIds(spec, id -> {
            if (nodes.containsKey(id)) {
                f.accept(nodes.get(id));
            }
        });
    }

    private void forIds(String spec, IntConsumer f) {
        if (spec.equals("all")) {
            new ArrayList<>(nodes.keySet()).forEach(f::accept);
        } else {
            Arrays.stream(spec.split(",")).mapToInt(Integer::parseInt).forEach(f);
        }
    }

    private PaxosNode node(String id) {
        PaxosNode n = nodes.get(Integer.parseInt(id));
        if (n == null) {
            throw new IllegalArgumentException("no running node " + id);
        }
        return n;
    }

    private void line(String s) {
        out.append(s).append('\n');
    }
}
