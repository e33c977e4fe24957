package io.paxosql.paxos.sim;

import io.paxosql.node.replog.SimProposals;
import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Describe;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.PaxosRole;
import io.paxosql.paxos.PersistentState;
import io.paxosql.paxos.Ready;
import io.paxosql.paxos.Status;
import io.paxosql.paxos.Value;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One seeded run: a fault phase (loss, duplication, delay, partitions, crashes with torn writes, restarts,
 * campaign toggles, membership changes, compaction, stalled event loops that catch up on their ticks; half
 * the runs write several Ready values before the first is synced) then a liveness phase (faults off, everyone up and
 * connected) in which a leader must get a fresh proposal chosen everywhere within a tick budget.
 * Everything random comes from the seed, so a seed replays the same run.
 *
 * <p>Proposals are tracked by the replicated log's real {@code ProposalTracker} (through
 * {@link SimProposals}), driven at the points of the Ready loop where the node's CoreDriver drives it.
 * With {@code nodeLevel}, every node also runs the real {@code RoleMachine} and {@code ChainState}
 * ({@link NodeLogic}): roles follow the lease, MariaDB failures and catch-up; only masters propose, their
 * chain records; {@link NodeChecker} checks the node-level rules.
 */
public final class Simulator {

    private static final long PERIOD = 100;
    /** -Dpaxosql.sim.verbose=true prints every event of the run (use with one seed). */
    private static final boolean VERBOSE = Boolean.getBoolean("paxosql.sim.verbose");
    private static final long[] LOG_STARTS = {0, (1L << 31) - 3, (1L << 32) - 3, (1L << 62) - 3};

    private enum Kind { TICK, DELIVER, SYNC, CRASH, RESTART, RESUME }

    private record Event(long time, long seq, Kind kind, int node, long gen, Message msg) { }

    private final class SimNode {
        final int id;
        final PaxosConfig cfg;
        final SimStorage storage;
        PaxosNode core;
        boolean up = true;
        long gen;
        /** Ready values written and not yet synced, oldest first (more than one when the run pipelines). */
        final ArrayDeque<Ready> unsynced = new ArrayDeque<>();
        long lastSyncAt;
        /** The replicated log's proposal tracker of this node's current run (lost with a crash). */
        SimProposals proposals;
        /** The node-level logic above the core (node-level runs only), or null. */
        NodeLogic logic;
        /** While now is before this, the node's event loop is stalled: it ticks, reads and writes nothing. */
        long stalledUntil = -1;
        long missedTicks;
        long appliedBelow;
        long maxAppliedId = -1;
        long grid;
        long tickGen;
        double rate;
        Ballot lastLed;

        /** The node refused its damaged log at a restart: it stays down (an operator replaces it). */
        boolean refused;

        SimNode(int id, PaxosConfig cfg, SimStorage storage) {
            this.id = id;
            this.cfg = cfg;
            this.storage = storage;
            this.core = PaxosNode.fresh(cfg);
            this.appliedBelow = cfg.firstInstance();
            this.proposals = new SimProposals(cfg.firstInstance());
        }
    }

    private final long seed;
    private final SplittableRandom rnd;
    private final SimClock clock;
    private final SimNetwork net;
    private final SafetyChecker checker = new SafetyChecker();
    private final StableLeaderChecker stable = new StableLeaderChecker();
    private final FollowerChecker followers = new FollowerChecker();
    private final boolean nodeLevel;
    private final NodeChecker nodeChecker;
    private double mariaDbFailRate;
    /** Node-level runs: clients stopped writing (the final settle). */
    private boolean writesOff;
    /** The node whose next resume the stable-leader check watches, or -1, and for how long (ms). */
    private int probed = -1;
    private long probeWindow;
    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) ->
            a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private final List<SimNode> nodes = new ArrayList<>();
    private final List<Integer> ids = new ArrayList<>();
    private record Trace(long time, Object what) { }

    private final ArrayDeque<Trace> trace = new ArrayDeque<>();
    private String params;
    /** See {@link #withLargeValues()}. */
    private boolean largeValues;
    private long seq;
    private long now;
    private long nextProposal = 1;
    private boolean faults = true;
    private long elections;
    /** Values a node's chain got before their Chosen records were durable, and chains rolled back after a crash. */
    private long earlyDeliveries;
    private long rollBacks;
    /** Restarts that refused a damaged log, and that dropped a torn last entry. */
    private long refusals;
    private long repairs;

    private final long faultTicks;
    private final long livenessTicks;
    private final double crashRate;
    private final double partitionRate;
    private final double toggleRate;
    private final double memberRate;
    private final double proposeRate;
    private final double stallRate;
    /** How many Ready values a node may have written and not yet synced (1: one at a time). */
    private final int pipeline;
    /** Clocks beyond the skew bound: the lease check is off, the log checks are not. */
    private final boolean chaos;

    public Simulator(long seed, int nodeCount, long faultTicks, long livenessTicks) {
        this(seed, nodeCount, faultTicks, livenessTicks, false);
    }

    /** {@code nodeLevel}: run the real role machine and chain above every core (see the class comment). */
    public Simulator(long seed, int nodeCount, long faultTicks, long livenessTicks, boolean nodeLevel) {
        this.seed = seed;
        this.nodeLevel = nodeLevel;
        this.rnd = new SplittableRandom(seed);
        this.faultTicks = faultTicks;
        this.livenessTicks = livenessTicks;
        long skew = rnd.nextLong(0, PERIOD * 2 / 5 + 1);
        this.clock = new SimClock(rnd.split(), PERIOD, skew);
        int lease = rnd.nextInt(8, 21);
        int renew = rnd.nextInt(1, lease / 3 + 1);
        this.chaos = rnd.nextInt(4) == 0;
        int margin = chaos ? 0 : SimClock.marginFor(PERIOD, skew) + rnd.nextInt(0, 2);
        long first = LOG_STARTS[rnd.nextInt(LOG_STARTS.length)];
        int alpha = rnd.nextInt(1, 9);
        // Node-level runs carry chain records: a split transaction's part holds at least 1 KiB (ChainRecordCodec).
        int batch = rnd.nextInt(64, 513) + (nodeLevel ? 1200 : 0);
        // Small enough to need many rounds, large enough that a node can outrun a log that keeps growing.
        int catchUp = rnd.nextInt(8, 65);
        int election = chaos ? 1 : rnd.nextInt(2, 9);
        int retransmit = rnd.nextInt(1, 4);
        this.net = new SimNetwork(rnd.split(), rnd.nextDouble() * 0.3, rnd.nextDouble() * 0.1,
                rnd.nextInt(10) == 0 ? PERIOD * 10 : 1 + rnd.nextLong(PERIOD * 3));
        net.straggleRate = rnd.nextDouble() * 0.03;
        net.straggleDelay = PERIOD * 40;
        this.crashRate = rnd.nextDouble() * 0.04;
        this.partitionRate = rnd.nextDouble() * 0.03;
        this.toggleRate = rnd.nextDouble() * 0.04;
        this.memberRate = rnd.nextInt(3) == 0 ? rnd.nextDouble() * 0.02 : 0;
        this.proposeRate = 0.1 + rnd.nextDouble() * 0.6;
        this.stallRate = rnd.nextInt(3) == 0 ? rnd.nextDouble() * 0.05 : 0;
        this.pipeline = rnd.nextBoolean() ? 1 : rnd.nextInt(2, 9);
        TreeSet<Integer> members = new TreeSet<>();
        for (int i = 1; i <= nodeCount; i++) {
            members.add(i);
            ids.add(i);
        }
        // Storage faults draw from their own source, so every other draw of the seed stays as it was. One node
        // at most has a faulty disk: if it refuses its log, the rest still hold a majority (member changes,
        // which may shrink the set to two, stay off in those runs).
        SplittableRandom diskRandom = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x5DEECE66DL);
        int badDisk = memberRate == 0 && diskRandom.nextInt(3) != 0 ? 1 + diskRandom.nextInt(nodeCount) : 0;
        double diskFaultRate = 0.3 + 0.7 * diskRandom.nextDouble();
        for (int i = 1; i <= nodeCount; i++) {
            // Node-level runs: the real chain's proposal window (ChainedLog.IN_FLIGHT_BYTES) is sized against
            // the production core's pending bound; with 64 the core refuses part of a burst, and the master
            // rightly fences when the chain then refuses its next transaction.
            PaxosConfig c = new PaxosConfig(42, i, members, first, lease, margin, renew, election, retransmit,
                    alpha, batch, nodeLevel ? 100_000 : 64, catchUp);
            SimNode n = new SimNode(i, c, new SimStorage(i, first, i == badDisk ? diskRandom.split() : null,
                    diskFaultRate));
            n.core.setMaxUnconfirmedReadys(pipeline);
            n.core.setCampaignAllowed(rnd.nextInt(5) != 0);
            n.rate = chaos ? 0.5 + rnd.nextDouble() : 1.0;
            nodes.add(n);
            schedule(tickTime(n), Kind.TICK, i, 0, null);
        }
        this.nodeChecker = nodeLevel ? new NodeChecker(!chaos) : null;
        if (nodeLevel) {
            SplittableRandom logicRandom = rnd.split();
            mariaDbFailRate = logicRandom.nextDouble() * 0.03;
            for (SimNode n : nodes) {
                n.logic = new NodeLogic(n.id, nodeChecker, (bytes, answer) -> proposeBytes(n, bytes, answer),
                        logicRandom.split(), n.cfg.maxBatchBytes());
                n.logic.start(n.core, List.of(), now);
            }
        }
        params = "seed=" + seed + " nodes=" + nodeCount + " first=" + first + " skew=" + skew + " lease=" + lease
                + " margin=" + margin + " renew=" + renew + " election=" + election + " retransmit=" + retransmit
                + " alpha=" + alpha + " batch=" + batch + " catchUp=" + catchUp + " drop=" + fmt(net.dropRate)
                + " dup=" + fmt(net.duplicateRate) + " maxDelay=" + net.maxDelay + " crash=" + fmt(crashRate)
                + " partition=" + fmt(partitionRate) + " member=" + fmt(memberRate) + " chaos=" + chaos
                + " straggle=" + fmt(net.straggleRate) + " stall=" + fmt(stallRate) + " pipeline=" + pipeline
                + (nodeLevel ? " nodeLevel mariaDbFail=" + fmt(mariaDbFailRate) : "")
                + (badDisk > 0 ? " badDisk=" + badDisk + " diskFaults=" + fmt(diskFaultRate) : "");
    }

    /** Runs to the end; throws AssertionError with the seed, parameters and recent events on any failure. */
    public void run() {
        if (largeValues) {
            params += " largeValues";
        }
        try {
            runPhases();
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError("simulation failed: " + e.getMessage() + "\n  replay: " + params
                    + "\n  last events:" + traceText(), e);
        }
    }

    private void runPhases() {
        long faultEnd = faultTicks * PERIOD;
        while (now < faultEnd) {
            step();
        }
        faults = false;
        net.heal();
        net.dropRate = 0;
        net.duplicateRate = 0;
        net.maxDelay = Math.min(net.maxDelay, PERIOD);
        note("faults off");
        for (SimNode n : nodes) {
            if (n.stalledUntil > now) {
                resume(n);
            }
            n.tickGen++;
            n.grid = now / PERIOD; // back on the common grid
            schedule(tickTime(n), Kind.TICK, n.id, n.tickGen, null);
            if (!n.up) {
                restart(n);
            }
            if (!nodeLevel) {
                n.core.setCampaignAllowed(true); // node-level runs: the role machine decides
            }
        }
        long firstLive = nextProposal;
        long deadline = now + livenessTicks * PERIOD;
        while (!converged(firstLive)) {
            if (now > deadline) {
                throw new AssertionError("liveness: no leader got proposal " + firstLive + " or later chosen on every "
                        + "member within " + livenessTicks + " ticks after faults stopped; " + describeNodes());
            }
            step();
        }
        everyMemberFollows();
        stallProbes();
        checker.finalCheck();
        if (nodeLevel) {
            nodeChecker.finalCheck(settle());
        }
    }

    /** {@link FollowerChecker}: within the liveness budget, every running member names the lease holder. */
    private void everyMemberFollows() {
        long deadline = now + livenessTicks * PERIOD;
        while (true) {
            SimNode leader = holder(null);
            String missing = leader == null ? "no node holds the lease" : followers.notFollowing(leader.id,
                    leader.core.membersAt(leader.core.firstUnchosen()), runningStatuses());
            if (missing == null) {
                return;
            }
            if (now > deadline) {
                throw new AssertionError("liveness: a member does not follow the leader " + livenessTicks
                        + " ticks after the cluster converged: " + missing + "; " + describeNodes());
            }
            step();
        }
    }

    private Map<Integer, Status> runningStatuses() {
        Map<Integer, Status> out = new TreeMap<>();
        for (SimNode n : nodes) {
            if (n.up && n.stalledUntil <= now) {
                out.put(n.id, n.core.status());
            }
        }
        return out;
    }

    /**
     * Node-level runs, at the end: clients stop writing and every member of the leader's set applies all
     * that is chosen (bounded), so each member's chain can be checked for every acknowledged transaction.
     */
    private Map<Integer, NodeLogic> settle() {
        writesOff = true;
        long deadline = now + livenessTicks * PERIOD;
        while (true) {
            SimNode leader = holder(null);
            if (leader != null) {
                SortedSet<Integer> members = leader.core.membersAt(leader.core.firstUnchosen());
                long chosenBelow = leader.core.firstUnchosen();
                Map<Integer, NodeLogic> finals = new TreeMap<>();
                int refused = 0;
                for (SimNode n : nodes) {
                    if (members.contains(n.id) && n.up && n.appliedBelow >= chosenBelow) {
                        finals.put(n.id, n.logic);
                    } else if (members.contains(n.id) && n.refused) {
                        refused++;
                    }
                }
                if (finals.size() + refused == members.size()) {
                    return finals;
                }
            }
            if (now > deadline) {
                throw new AssertionError("liveness: the members did not all apply what was chosen within "
                        + livenessTicks + " ticks after the writes stopped; " + describeNodes());
            }
            step();
        }
    }

    /**
     * After the liveness phase, with the network whole: stall the lease holder for longer than its lease (the
     * others elect a new leader meanwhile), then a follower; each resume must leave the live leader alone.
     */
    private void stallProbes() {
        net.straggleRate = 0; // a whole network: no message waits for seconds (that alone may end a lease)
        SimNode leader = holder(null);
        long view = leader.cfg.leaseTicks() + leader.cfg.leaseMarginTicks();
        long elect = (long) leader.cfg.electionTicks() * nodes.size() + 20;
        probe(leader, view + elect + rnd.nextLong(0, view + 1), 2 * view + elect);
        SimNode current = holder(null);
        if (current == null) {
            return;
        }
        List<SimNode> followers = new ArrayList<>();
        for (SimNode n : nodes) {
            if (n != current && n.up && current.core.membersAt(current.core.firstUnchosen()).contains(n.id)) {
                followers.add(n);
            }
        }
        if (!followers.isEmpty()) {
            probe(followers.get(rnd.nextInt(followers.size())), 1 + rnd.nextLong(0, 2 * (view + elect)), 2 * view + elect);
        }
    }

    private void probe(SimNode n, long ticks, long window) {
        stallFor(n, ticks);
        probed = n.id;
        probeWindow = window * PERIOD;
        long end = n.stalledUntil + probeWindow;
        while (now < end) {
            step();
        }
    }

    /** The running, unstalled node other than {@code except} that holds the lease, or null. */
    private SimNode holder(SimNode except) {
        for (SimNode x : nodes) {
            if (x != except && x.up && x.stalledUntil <= now && x.core.holdsLease()) {
                return x;
            }
        }
        return null;
    }

    private boolean converged(long firstLive) {
        SimNode leader = null;
        for (SimNode n : nodes) {
            if (n.up && n.core.holdsLease()) { // a node that refused its log stays down with its last state
                leader = n;
            }
        }
        if (leader == null) {
            return false;
        }
        SortedSet<Integer> members = leader.core.membersAt(leader.core.firstUnchosen());
        for (SimNode n : nodes) {
            if (members.contains(n.id) && !n.refused && n.maxAppliedId < firstLive) {
                return false;
            }
        }
        return true;
    }

    private void step() {
        Event e = events.poll();
        now = e.time;
        SimNode n = e.node > 0 ? nodes.get(e.node - 1) : null;
        if (n != null && n.stalledUntil > now && (e.kind == Kind.DELIVER || e.kind == Kind.SYNC)) {
            // A stalled event loop handles nothing; what arrives meanwhile waits for it, in order.
            schedule(n.stalledUntil, e.kind, e.node, e.gen, e.msg);
            return;
        }
        switch (e.kind) {
            case TICK -> {
                if (e.gen != n.tickGen) {
                    return; // a tick of the chaotic clock, superseded when chaos ended
                }
                schedule(tickTime(n), Kind.TICK, n.id, n.tickGen, null);
                if (n.stalledUntil > now) {
                    n.missedTicks++;
                } else if (n.up) {
                    n.core.tick();
                }
                if (e.node == 1) {
                    clusterTick();
                }
            }
            case DELIVER -> {
                if (n.up) {
                    trace(e.msg);
                    n.core.step(e.msg);
                }
            }
            case SYNC -> {
                if (n.up && n.gen == e.gen) {
                    sync(n);
                }
            }
            case CRASH -> {
                if (n.up && n.gen == e.gen) {
                    crash(n);
                }
            }
            case RESTART -> {
                if (!n.up) {
                    restart(n);
                }
            }
            case RESUME -> {
                if (n.stalledUntil == now) {
                    resume(n);
                }
            }
        }
        for (SimNode x : nodes) {
            pump(x);
        }
        if (nodeLevel) {
            for (SimNode x : nodes) {
                if (x.up && x.stalledUntil <= now) {
                    x.logic.observe(x.core, now, x.appliedBelow);
                    pump(x);
                }
            }
        }
        List<Integer> holders = new ArrayList<>(1);
        for (SimNode x : nodes) {
            // A stalled node cannot act on its belief; it catches up on its clock before it does anything.
            if (x.up && x.stalledUntil <= now && x.core.holdsLease()) {
                holders.add(x.id);
            }
        }
        if (!chaos) {
            checker.leaseHolders(holders, now);
        }
        if (stable.watching(now)) {
            for (SimNode x : nodes) {
                if (x.up && x.stalledUntil <= now) {
                    stable.observe(now, x.id, x.core.status(), x.core.membersAt(x.core.firstUnchosen()).contains(x.id));
                }
            }
        }
    }

    /** Once per tick of node 1: the random faults and client activity of this moment. */
    private void clusterTick() {
        if (rnd.nextDouble() < proposeRate) {
            if (nodeLevel) {
                if (writesOff) {
                    return;
                }
                // Only a node that believes itself master writes (a deposed one too, until it learns).
                int count = 1 + rnd.nextInt(3);
                for (SimNode x : nodes) {
                    if (x.up && x.stalledUntil <= now) {
                        x.logic.write(count);
                    }
                }
            } else {
                propose(faults && rnd.nextInt(3) == 0 ? nodes.get(rnd.nextInt(nodes.size())) : leaderOrRandom());
            }
        }
        if (!faults) {
            return;
        }
        if (nodeLevel && rnd.nextDouble() < mariaDbFailRate) {
            SimNode x = nodes.get(rnd.nextInt(nodes.size()));
            if (x.up) {
                long until = now + PERIOD * rnd.nextLong(1, 40);
                x.logic.mariaDbFails(x.core, now, until);
                note("node " + x.id + "'s MariaDB fails until " + until);
            }
        }
        if (rnd.nextDouble() < crashRate) {
            crash(nodes.get(rnd.nextInt(nodes.size())));
        }
        if (rnd.nextDouble() < partitionRate) {
            int k = rnd.nextInt(4);
            note(k == 0 ? net.partition(ids, false) : k == 1 ? net.partition(ids, true)
                    : k == 2 ? net.cutLinks(ids) : healed());
        }
        if (!nodeLevel && rnd.nextDouble() < toggleRate) {
            SimNode x = nodes.get(rnd.nextInt(nodes.size()));
            boolean allow = rnd.nextInt(3) != 0;
            x.core.setCampaignAllowed(allow);
            note("node " + x.id + " campaign " + (allow ? "on" : "off"));
        }
        if (rnd.nextDouble() < memberRate) {
            changeMembers();
        }
        if (!nodeLevel && rnd.nextDouble() < 0.02) {
            // Node-level runs keep every value: a restarted chain replays what it had not applied.
            compact(nodes.get(rnd.nextInt(nodes.size())));
        }
        if (rnd.nextDouble() < stallRate) {
            stall(nodes.get(rnd.nextInt(nodes.size())));
        }
    }

    /** The node's event loop stops (GC, an overloaded machine) for up to a few leases. */
    private void stall(SimNode n) {
        if (n.stalledUntil > now) {
            return;
        }
        stallFor(n, 1 + rnd.nextLong(0, 3L * (n.cfg.leaseTicks() + n.cfg.leaseMarginTicks())));
    }

    private void stallFor(SimNode n, long ticks) {
        n.stalledUntil = now + ticks * PERIOD;
        n.missedTicks = 0;
        schedule(n.stalledUntil, Kind.RESUME, n.id, 0, null);
        note("node " + n.id + " stalls for " + ticks + " ticks");
    }

    /** The first thing a node does after a stall: tick as often as it missed, so its clock is real time again. */
    private void resume(SimNode n) {
        n.stalledUntil = -1;
        if (n.id == probed) {
            probed = -1;
            SimNode leader = holder(n);
            // Only a leader that keeps a majority without the woken node, and has lease enough left for a
            // renewal round (one just won in a slow election may not), can be asked to stay leader.
            SortedSet<Integer> members = leader == null ? null : leader.core.membersAt(leader.core.firstUnchosen());
            if (leader != null && members.stream().filter(m -> m != n.id).count() > members.size() / 2
                    && leader.core.status().leaseUntil() - leader.core.now() > leader.cfg.renewTicks() + 2) {
                stable.watch(n.id, leader.id, leader.core.status().ballot(), now, probeWindow);
                note("probe: node " + n.id + " resumes while node " + leader.id + " leads");
            }
        }
        if (n.up) {
            for (long i = 0; i < n.missedTicks; i++) {
                n.core.tick();
            }
        }
        note("node " + n.id + " resumes after " + n.missedTicks + " missed ticks");
        n.missedTicks = 0;
    }

    private String healed() {
        net.heal();
        return "heal";
    }

    private SimNode leaderOrRandom() {
        for (SimNode n : nodes) {
            if (n.up && n.core.status().role() == PaxosRole.LEADER) {
                return n;
            }
        }
        return nodes.get(rnd.nextInt(nodes.size()));
    }

    private void propose(SimNode n) {
        if (!n.up) {
            return;
        }
        // Large-value runs offer a window or more per tick, so the leader's window stays full.
        int count = largeValues ? n.cfg.alpha() + rnd.nextInt(n.cfg.alpha()) : 1 + rnd.nextInt(3);
        for (int i = 0; i < count; i++) {
            // Large-value runs: each proposal fills most of a value, so every value is nearly as large as a
            // message may carry and each catch-up or promise message holds one value.
            byte[] b = new byte[largeValues ? n.cfg.maxBatchBytes() - 48 - rnd.nextInt(16) : 1 + rnd.nextInt(40)];
            rnd.nextBytes(b);
            proposeBytes(n, b, null);
        }
    }

    /**
     * Makes this run's proposals nearly as large as a value may be (core-level runs). Only this run's
     * proposal sizes change; every other draw of the seed stays as it was.
     */
    public Simulator withLargeValues() {
        largeValues = true;
        return this;
    }

    /**
     * Queues {@code b} in node {@code n}'s core under the next proposal id and tracks it as the log does;
     * {@code also} (if not null) is told the answer too.
     */
    private boolean proposeBytes(SimNode n, byte[] b, SimProposals.Answer also) {
        long id = nextProposal;
        if (!n.core.propose(id, b).queuedOk()) {
            return false;
        }
        nextProposal++;
        track(n, id, also);
        trace("node " + n.id + " queued proposal " + id);
        return true;
    }

    private void track(SimNode n, long id, SimProposals.Answer also) {
        n.proposals.track(id, new SimProposals.Answer() {
            @Override
            public void chosen(long instance, int index) {
                // Answered before any node may have applied it (early completion): the core knows the value.
                Value v = n.core.chosen(instance);
                if (v != null) {
                    checker.agree(n.id, instance, v);
                }
                checker.completed(n.id, id, instance);
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

    private void changeMembers() {
        SimNode leader = leaderOrRandom();
        if (!leader.up || leader.core.status().role() != PaxosRole.LEADER) {
            return;
        }
        SortedSet<Integer> members = leader.core.membersAt(Long.MAX_VALUE);
        long id = nextProposal++;
        Entry change;
        if (members.size() > 3 && rnd.nextBoolean() || members.size() == ids.size()) {
            List<Integer> m = new ArrayList<>(members);
            change = new Entry.RemoveMember(id, m.get(rnd.nextInt(m.size())));
        } else {
            List<Integer> out = new ArrayList<>(ids);
            out.removeAll(members);
            change = new Entry.AddMember(id, out.get(rnd.nextInt(out.size())));
        }
        var result = leader.core.proposeMembership(change);
        if (result.queuedOk()) {
            track(leader, id, null);
        }
        note("node " + leader.id + " proposes " + Describe.entry(change) + " -> " + result.outcome());
    }

    /** Drops retained values every node already holds durably, so no one ever needs a snapshot here. */
    private void compact(SimNode n) {
        if (!n.up) {
            return;
        }
        long safe = Long.MAX_VALUE;
        for (SimNode x : nodes) {
            safe = Math.min(safe, x.storage.firstUnchosen());
        }
        long below = Math.min(safe, n.core.firstUnchosen()) - 1;
        if (below > n.core.firstRetained()) {
            n.core.compact(below);
            n.storage.compact(below);
            note("node " + n.id + " compacts below " + below);
        }
    }

    private void pump(SimNode n) {
        if (!n.up || n.stalledUntil > now || !n.core.hasReady()) {
            return;
        }
        Ready r = n.core.ready();
        List<ChosenValue> early = n.proposals.readied(r);
        for (ChosenValue c : early) {
            // Chosen and durably accepted here: the chain gets it before its Chosen record is written.
            apply(n, c);
            earlyDeliveries++;
        }
        n.storage.write(r.persist());
        for (Message m : r.send()) {
            send(m);
        }
        checker.dropped(r.dropped());
        if (r.status() != null && r.status().role() == PaxosRole.LEADER && !r.status().ballot().equals(n.lastLed)) {
            n.lastLed = r.status().ballot();
            elections++;
        }
        if (r.status() != null) {
            trace("node " + n.id + " status " + Describe.status(r.status()));
        }
        n.unsynced.add(r);
        // Syncs complete in the order their writes were queued, as the log's writer thread does.
        long syncAt = Math.max(n.lastSyncAt, now + rnd.nextLong(0, PERIOD * 2));
        n.lastSyncAt = syncAt;
        schedule(syncAt, Kind.SYNC, n.id, n.gen, null);
        if (faults && !r.persist().isEmpty() && rnd.nextDouble() < crashRate) {
            // Power fails while the writes are on their way to the disk.
            schedule(now + rnd.nextLong(0, syncAt - now + 1), Kind.CRASH, n.id, n.gen, null);
        }
    }

    /** The oldest written Ready becomes durable (and nothing after it); its held replies may leave. */
    private void sync(SimNode n) {
        Ready r = n.unsynced.poll();
        n.storage.sync(r.persist().size());
        for (ChosenValue c : r.chosen()) {
            if (c.instance() >= n.appliedBelow) { // else the chain got it early, when it was readied
                apply(n, c);
            }
        }
        for (ChosenValue c : n.proposals.durable(r)) {
            // Chosen in a Ready still unsynced, and durably accepted here now that this one is synced.
            apply(n, c);
            earlyDeliveries++;
        }
        for (Message m : n.core.advance()) {
            send(m);
        }
    }

    /** Node {@code n}'s chain (the log's follower) gets chosen value {@code c}, the next one it needs. */
    private void apply(SimNode n, ChosenValue c) {
        checker.applied(n.id, n.appliedBelow, c.instance(), c.value());
        n.appliedBelow = c.instance() + 1;
        for (Entry e : c.value().entries()) {
            n.maxAppliedId = Math.max(n.maxAppliedId, e.proposalId());
        }
        if (nodeLevel) {
            n.logic.applied(n.core, c.instance(), c.value(), now);
        }
    }

    private void crash(SimNode n) {
        if (!n.up) {
            return;
        }
        n.up = false;
        n.gen++;
        n.unsynced.clear();
        n.proposals = null; // its waiters die with the process
        n.stalledUntil = -1;
        n.missedTicks = 0;
        n.storage.crash(rnd);
        note("node " + n.id + " crashes");
        // Half the restarts are quick, within the lease the node may have granted just before dying.
        long down = rnd.nextBoolean() ? rnd.nextLong(1, PERIOD * 5) : PERIOD * rnd.nextLong(1, 60);
        schedule(now + down, Kind.RESTART, n.id, 0, null);
    }

    private void restart(SimNode n) {
        if (n.refused) {
            return;
        }
        boolean allowed = n.core.status() != null && rnd.nextInt(5) != 0;
        SimStorage.Recovery read = n.storage.recover();
        checker.diskRead(n.id, read);
        if (read.refusal() != null) {
            // As the real node does on LogCorruptedException: it does not start, and never serves or votes.
            n.refused = true;
            refusals++;
            note("node " + n.id + " refuses its log (" + read.damage() + "): " + read.refusal());
            return;
        }
        if (read.repaired()) {
            repairs++;
            note("node " + n.id + " drops its torn last log entry");
        }
        PersistentState state = read.state();
        n.core = new PaxosNode(n.cfg, state);
        n.core.setMaxUnconfirmedReadys(pipeline);
        n.core.setCampaignAllowed(allowed || !faults);
        n.up = true;
        long restored = n.core.firstUnchosen();
        n.proposals = new SimProposals(restored);
        checker.restarted(n.id, n.appliedBelow, restored, state.accepted());
        if (n.appliedBelow > restored) {
            // The chain got values early whose Chosen records the crash lost: it restarts from what is durable
            // (ChainCheckpointer never covers more) and learns them again as chosen.
            note("node " + n.id + " rolls its chain back from " + n.appliedBelow + " to " + restored);
            rollBacks++;
            n.appliedBelow = restored;
        }
        for (long i = n.appliedBelow; i < restored; i++) {
            long at = i - state.firstRetained();
            Value v = at >= 0 ? state.chosen().get((int) at).value() : null;
            if (v != null) {
                checker.agree(n.id, i, v);
            }
        }
        n.appliedBelow = Math.max(n.appliedBelow, restored);
        if (nodeLevel) {
            // A new process: its chain is rebuilt from the durable log (the real one from its checkpoint).
            n.logic.start(n.core, state.chosen(), now);
        }
        note("node " + n.id + " restarts at " + restored);
    }

    private void send(Message m) {
        checkBytes(m);
        for (long d : net.delays(m)) {
            schedule(now + d, Kind.DELIVER, m.to(), 0, m);
        }
    }

    /** Messages that list values hold at most maxBatchBytes of them, or a single value. */
    private void checkBytes(Message m) {
        List<Value> values = new ArrayList<>();
        if (m instanceof Message.Values v) {
            v.values().forEach(c -> values.add(c.value()));
        } else if (m instanceof Message.Promise p) {
            p.accepted().forEach(a -> values.add(a.value()));
            p.chosen().forEach(c -> values.add(c.value()));
        }
        long bytes = values.stream().mapToLong(Value::size).sum();
        int budget = nodes.get(m.from() - 1).cfg.maxBatchBytes();
        if (values.size() > 1 && bytes > budget) {
            throw new AssertionError("node " + m.from() + " sent " + values.size() + " values of " + bytes
                    + " bytes in one message, over maxBatchBytes " + budget + ": " + Describe.message(m));
        }
    }

    private long tickTime(SimNode n) {
        ++n.grid;
        if (chaos && faults) {
            return Math.max(now + 1, clock.chaoticTickTime(n.grid, n.rate));
        }
        return Math.max(now + 1, clock.tickTime(n.grid));
    }

    private void schedule(long time, Kind kind, int node, long gen, Message msg) {
        events.add(new Event(time, seq++, kind, node, gen, msg));
    }

    private void note(String s) {
        trace("* " + s);
    }

    /** Kept cheap: the last events are formatted only when a run fails. */
    private void trace(Object what) {
        if (VERBOSE) {
            System.out.println("t=" + now + " " + (what instanceof Message m ? "deliver " + Describe.message(m) : what));
        }
        if (trace.size() >= 80) {
            trace.removeFirst();
        }
        trace.addLast(new Trace(now, what));
    }

    private String traceText() {
        StringBuilder sb = new StringBuilder();
        for (Trace t : trace) {
            Object w = t.what();
            sb.append("\n    t=").append(t.time()).append(' ')
                    .append(w instanceof Message m ? "deliver " + Describe.message(m) : w.toString());
        }
        return sb.toString();
    }

    private String describeNodes() {
        StringBuilder sb = new StringBuilder();
        for (SimNode n : nodes) {
            sb.append("\n    node ").append(n.id).append(n.refused ? " refused its log " : n.up ? " up " : " down ")
                    .append(Describe.status(n.core.status())).append(" members=")
                    .append(n.core.membersAt(n.core.firstUnchosen())).append(" maxApplied=").append(n.maxAppliedId);
            if (n.logic != null) {
                sb.append(' ').append(n.logic.describe());
            }
        }
        return sb.toString();
    }

    private static String fmt(double d) {
        return String.format("%.3f", d);
    }

    public long elections() {
        return elections;
    }

    /** Values a chain got before their Chosen records were durable. */
    public long earlyDeliveries() {
        return earlyDeliveries;
    }

    /** Restarts whose chain had got values the crash then lost the Chosen records of. */
    public long rollBacks() {
        return rollBacks;
    }

    /** Restarts that refused a damaged log. */
    public long refusals() {
        return refusals;
    }

    /** Restarts that dropped a torn last log entry. */
    public long repairs() {
        return repairs;
    }

    /** Storage faults injected, by {@link SimStorage.Fault} kind. */
    public long[] storageFaults() {
        long[] sum = new long[SimStorage.Fault.values().length];
        for (SimNode n : nodes) {
            long[] f = n.storage.injected();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += f[i];
            }
        }
        return sum;
    }

    /** How many resumes the stable-leader check watched. */
    public long stallChecks() {
        return stable.checked();
    }

    public long chosenCount() {
        return checker.size();
    }

    /** Node-level runs: transactions acknowledged to clients, and masters published. */
    public long acknowledgedTransactions() {
        return nodeChecker == null ? 0 : nodeChecker.acknowledgedCount();
    }

    public long mastersPublished() {
        return nodeChecker == null ? 0 : nodeChecker.masters();
    }
}
