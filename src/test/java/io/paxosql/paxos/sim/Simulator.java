package io.paxosql.paxos.sim;

import io.paxosql.node.replog.SimProposals;
import io.paxosql.paxos.Describe;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.sim.SimEvents.Event;
import io.paxosql.paxos.sim.SimEvents.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 *
 * <p>This class holds the run's parameters and state and steps through its events; {@link SimNodeDriver} runs
 * each node's Ready loop, crash and restart, {@link SimFaults} injects the faults, {@link SimClients} proposes,
 * and {@link LivenessChecks} checks the run once the faults are off.
 */
public final class Simulator {

    static final long PERIOD = 100;
    private static final long[] LOG_STARTS = {0, (1L << 31) - 3, (1L << 32) - 3, (1L << 62) - 3};

    private final long seed;
    final SplittableRandom rnd;
    final SimClock clock;
    final SimNetwork net;
    final SafetyChecker checker = new SafetyChecker();
    final StableLeaderChecker stable = new StableLeaderChecker();
    final boolean nodeLevel;
    final NodeChecker nodeChecker;
    double mariaDbFailRate;
    /** Node-level runs: clients stopped writing (the final settle). */
    boolean writesOff;
    /** The node whose next resume the stable-leader check watches, or -1, and for how long (ms). */
    int probed = -1;
    long probeWindow;
    private final SimEvents events = new SimEvents();
    final List<SimNode> nodes = new ArrayList<>();
    final List<Integer> ids = new ArrayList<>();
    private final SimTrace trace = new SimTrace();
    final SimNodeDriver driver = new SimNodeDriver(this);
    final SimFaults faultInjection = new SimFaults(this);
    final SimClients clients = new SimClients(this);
    private final LivenessChecks liveness = new LivenessChecks(this);
    private String params;
    /** See {@link #withLargeValues()}. */
    boolean largeValues;
    long now;
    boolean faults = true;
    long elections;
    /** Values a node's chain got before their Chosen records were durable, and chains rolled back after a crash. */
    long earlyDeliveries;
    long rollBacks;
    /** Restarts that refused a damaged log, and that dropped a torn last entry. */
    long refusals;
    long repairs;

    private final long faultTicks;
    final long livenessTicks;
    final double crashRate;
    final double partitionRate;
    final double toggleRate;
    final double memberRate;
    final double proposeRate;
    final double stallRate;
    /** How many Ready values a node may have written and not yet synced (1: one at a time). */
    final int pipeline;
    /** Clocks beyond the skew bound: the lease check is off, the log checks are not. */
    final boolean chaos;

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
                n.logic = new NodeLogic(n.id, nodeChecker, (bytes, answer) -> clients.proposeBytes(n, bytes, answer),
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
                    + "\n  last events:" + trace.text(), e);
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
                faultInjection.resume(n);
            }
            n.tickGen++;
            n.grid = now / PERIOD; // back on the common grid
            schedule(tickTime(n), Kind.TICK, n.id, n.tickGen, null);
            if (!n.up) {
                driver.restart(n);
            }
            if (!nodeLevel) {
                n.core.setCampaignAllowed(true); // node-level runs: the role machine decides
            }
        }
        long firstLive = clients.nextProposal;
        long deadline = now + livenessTicks * PERIOD;
        while (!liveness.converged(firstLive)) {
            if (now > deadline) {
                throw new AssertionError("liveness: no leader got proposal " + firstLive + " or later chosen on every "
                        + "member within " + livenessTicks + " ticks after faults stopped; " + describeNodes());
            }
            step();
        }
        liveness.everyMemberFollows();
        liveness.stallProbes();
        checker.finalCheck();
        if (nodeLevel) {
            nodeChecker.finalCheck(liveness.settle());
        }
    }

    /** The running, unstalled node other than {@code except} that holds the lease, or null. */
    SimNode holder(SimNode except) {
        for (SimNode x : nodes) {
            if (x != except && x.up && x.stalledUntil <= now && x.core.holdsLease()) {
                return x;
            }
        }
        return null;
    }

    void step() {
        Event e = events.next();
        now = e.time();
        SimNode n = e.node() > 0 ? nodes.get(e.node() - 1) : null;
        if (n != null && n.stalledUntil > now && (e.kind() == Kind.DELIVER || e.kind() == Kind.SYNC)) {
            // A stalled event loop handles nothing; what arrives meanwhile waits for it, in order.
            schedule(n.stalledUntil, e.kind(), e.node(), e.gen(), e.msg());
            return;
        }
        switch (e.kind()) {
            case TICK -> {
                if (e.gen() != n.tickGen) {
                    return; // a tick of the chaotic clock, superseded when chaos ended
                }
                schedule(tickTime(n), Kind.TICK, n.id, n.tickGen, null);
                if (n.stalledUntil > now) {
                    n.missedTicks++;
                } else if (n.up) {
                    n.core.tick();
                }
                if (e.node() == 1) {
                    clusterTick();
                }
            }
            case DELIVER -> {
                if (n.up) {
                    trace(e.msg());
                    n.core.step(e.msg());
                }
            }
            case SYNC -> {
                if (n.up && n.gen == e.gen()) {
                    driver.sync(n);
                }
            }
            case CRASH -> {
                if (n.up && n.gen == e.gen()) {
                    driver.crash(n);
                }
            }
            case RESTART -> {
                if (!n.up) {
                    driver.restart(n);
                }
            }
            case RESUME -> {
                if (n.stalledUntil == now) {
                    faultInjection.resume(n);
                }
            }
        }
        for (SimNode x : nodes) {
            driver.pump(x);
        }
        if (nodeLevel) {
            for (SimNode x : nodes) {
                if (x.up && x.stalledUntil <= now) {
                    x.logic.observe(x.core, now, x.appliedBelow);
                    driver.pump(x);
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
                clients.propose(faults && rnd.nextInt(3) == 0 ? nodes.get(rnd.nextInt(nodes.size())) : clients.leaderOrRandom());
            }
        }
        if (!faults) {
            return;
        }
        faultInjection.tick();
    }

    /**
     * Makes this run's proposals nearly as large as a value may be (core-level runs). Only this run's
     * proposal sizes change; every other draw of the seed stays as it was.
     */
    public Simulator withLargeValues() {
        largeValues = true;
        return this;
    }

    long tickTime(SimNode n) {
        ++n.grid;
        if (chaos && faults) {
            return Math.max(now + 1, clock.chaoticTickTime(n.grid, n.rate));
        }
        return Math.max(now + 1, clock.tickTime(n.grid));
    }

    void schedule(long time, Kind kind, int node, long gen, Message msg) {
        events.schedule(time, kind, node, gen, msg);
    }

    void note(String s) {
        trace("* " + s);
    }

    void trace(Object what) {
        trace.add(now, what);
    }

    String describeNodes() {
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
