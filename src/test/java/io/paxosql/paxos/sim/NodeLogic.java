package io.paxosql.paxos.sim;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainRecord;
import io.paxosql.node.chain.ChainRecord.ChainedTransaction;
import io.paxosql.node.chain.ChainRecord.MasterChange;
import io.paxosql.node.chain.ChainRecord.TransactionPart;
import io.paxosql.node.chain.ChainRecordCodec;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.replog.SimProposals;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleCommand;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.Status;
import io.paxosql.paxos.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One simulated node above its Paxos core: the real {@link RoleMachine} decides its role from the lease,
 * its (simulated) MariaDB's health and whether it caught up; the real {@link ChainState} judges every
 * chosen record it applies; records are the real {@link ChainRecordCodec} bytes. A master proposes
 * chained transactions of its epoch after the chain's end, as the capture does, and a transaction is
 * acknowledged to its client when the master's chain accepts it. What this class still mirrors by hand is
 * ChainedLog's bookkeeping around the verdicts (which node's append or epoch a verdict answers) and the
 * role executor's long steps (a fence takes simulated time, then reports done).
 */
final class NodeLogic {
  /** How the simulator queues bytes in this node's core (tracked like any proposal); false if refused. */
  interface Proposer {
    boolean propose(byte[] bytes);
  }

  private final int id;
  private final NodeChecker checker;
  private final Proposer proposer;
  private final SplittableRandom rnd;
  private RoleMachine roles = new RoleMachine();
  /**
   * The chain after every value this node applied. It survives a crash up to the last value whose Chosen
   * record is durable (a checkpoint there); values it got earlier are rolled back ({@link #rollBackTo}).
   */
  private ChainState chain = ChainState.EMPTY;
  private final Set<Gtid> accepted = new HashSet<>();
  /** What applying each value not yet durable as chosen here changed: instance → chain before, GTIDs accepted. */
  private record Undo(ChainState before, List<Gtid> accepted) {}

  private final TreeMap<Long, Undo> undo = new TreeMap<>();
  private boolean healthy = true;
  private long healthyAt = -1;
  private long fencedAt = -1;
  private boolean leaseHeld;
  private long leaseEpoch;
  private boolean caughtUp;
  /** The epoch whose master-change record this node proposed and waits for, or 0. */
  private long promoting;
  /** The epoch this node appends under (the chain accepted its master change), or 0. */
  private long masterEpoch;
  private long tailSequence;
  private Gtid tailGtid;
  private final Map<Gtid, Long> pendingAppends = new HashMap<>();
  /** Records of appended transactions not yet queued in the core (ChainedLog's toPropose). */
  private final ArrayDeque<byte[]> outgoing = new ArrayDeque<>();
  /** What ReplicatedLog.maxProposalBytes gives the chain: bigger transactions are split into parts. */
  private final int maxRecordBytes;
  long acked;

  NodeLogic(int id, NodeChecker checker, Proposer proposer, SplittableRandom rnd, int maxBatchBytes) {
    this.maxRecordBytes = maxBatchBytes - 32;
    this.id = id;
    this.checker = checker;
    this.proposer = proposer;
    this.rnd = rnd;
  }

  NodeRole role() {
    return roles.role();
  }

  ChainState chain() {
    return chain;
  }

  boolean hasAccepted(Gtid g) {
    return accepted.contains(g);
  }

  String describe() {
    return "role=" + roles.role() + " epoch=" + roles.epoch() + " campaign=" + roles.campaignAllowed() + " healthy="
        + healthy + " caughtUp=" + caughtUp + " lease=" + leaseHeld + "/" + leaseEpoch + " masterEpoch=" + masterEpoch
        + " promoting=" + promoting + " fencedAt=" + fencedAt + " chain=" + chain.epoch() + "/n" + chain.masterNode()
        + "/" + chain.lastSequence();
  }

  static long epochOf(Status st) {
    return st.ballot().round() * 4096 + Math.max(0, st.ballot().node());
  }

  /** The process (re)starts: a fresh role machine; MariaDB comes up as a follower of the local chain. */
  void start(PaxosNode core, long now) {
    roles = new RoleMachine();
    healthy = true;
    healthyAt = -1;
    fencedAt = -1;
    leaseHeld = false;
    leaseEpoch = 0;
    caughtUp = false;
    promoting = 0;
    endEpoch();
    core.setCampaignAllowed(roles.campaignAllowed());
    run(core, roles.onFollowing(), now);
    run(core, roles.onHealth(true), now); // the health probe's first answer
  }

  /** MariaDB stops answering for a while (down or hung), as the health probe would see it. */
  void mariaDbFails(PaxosNode core, long now, long until) {
    if (healthy) {
      healthy = false;
      healthyAt = until;
      run(core, roles.onHealth(false), now);
    }
  }

  /**
   * After every simulated event, with the node up and its loop running: the inputs the node monitor and
   * the lease listener feed, when they change, and the long steps that finished by now.
   */
  void observe(PaxosNode core, long now, long appliedBelow) {
    if (!healthy && healthyAt <= now) {
      healthy = true;
      run(core, roles.onHealth(true), now);
    }
    if (fencedAt >= 0 && fencedAt <= now) {
      fencedAt = -1;
      run(core, roles.onFenced(), now);
    }
    boolean held = core.holdsLease();
    long epoch = held ? epochOf(core.status()) : 0;
    if (held != leaseHeld || epoch != leaseEpoch) {
      leaseHeld = held;
      leaseEpoch = epoch;
      run(core, roles.onLease(held, epoch), now);
    }
    if (masterEpoch != 0) {
      drain();
    }
    boolean upToDate = healthy && appliedBelow >= core.firstUnchosen();
    if (upToDate != caughtUp) {
      caughtUp = upToDate;
      run(core, roles.onCaughtUp(upToDate), now);
    }
    checker.roleAfterEvent(id, roles.role(), roles.epoch(), held, epoch, now);
  }

  /**
   * The master's client work: a few transactions of random size, each chained after the last one this
   * master appended and encoded by the real codec (split into parts when larger than a record may be).
   */
  void write(int count) {
    if (roles.role() != NodeRole.MASTER || masterEpoch == 0 || !healthy) {
      return;
    }
    for (int i = 0; i < count; i++) {
      Gtid gtid = new Gtid(0, id, (tailGtid == null ? 0 : tailGtid.seqNo()) + 1);
      byte[] event = new byte[1 + rnd.nextInt(3 * maxRecordBytes)];
      rnd.nextBytes(event);
      Transaction tx = new Transaction(gtid, List.of(event), "b", gtid.seqNo());
      ChainRecordCodec.encodeTransaction(masterEpoch, tailSequence + 1, tailGtid, tx, maxRecordBytes)
          .forEachRemaining(outgoing::add);
      tailSequence++;
      tailGtid = gtid;
      pendingAppends.put(gtid, tailSequence);
    }
    drain();
  }

  /** Queues waiting records in the core, in order, until it refuses one (ChainedLog.proposeQueued). */
  private void drain() {
    while (!outgoing.isEmpty() && proposer.propose(outgoing.peekFirst())) {
      outgoing.pollFirst();
    }
  }

  /** ChainedLog.endEpoch: no more appends; those not yet accepted will not be acknowledged. */
  private void endEpoch() {
    masterEpoch = 0;
    pendingAppends.clear();
    outgoing.clear();
  }

  /** A chosen value this node applies, in instance order: each of its records through the real chain. */
  void applied(PaxosNode core, long instance, Value v, long now) {
    Undo u = new Undo(chain, new ArrayList<>());
    undo.put(instance, u);
    List<Entry> entries = v.entries();
    for (int index = 0; index < entries.size(); index++) {
      if (!(entries.get(index) instanceof Entry.Data d)) {
        continue; // membership changes are the core's, not the chain's
      }
      ChainRecord record = ChainRecordCodec.decode(d.bytes());
      ChainState.Step step = chain.apply(record);
      checker.chainStep(id, instance, index, record, step);
      chain = step.next();
      if (step.abandoned() != null && pendingAppends.remove(step.abandoned()) != null) {
        ownRejection(core, "refused by the chain: " + step.abandonReason(), now);
      }
      if (record instanceof MasterChange mc) {
        onMasterChange(core, mc, step, now);
      } else if (step.verdict() != ChainState.Verdict.PARTIAL) {
        Gtid gtid = record instanceof TransactionPart p ? p.gtid() : ((ChainedTransaction) record).transaction().gtid();
        if (step.verdict() == ChainState.Verdict.ACCEPTED) {
          accepted.add(gtid);
          u.accepted().add(gtid);
        }
        Long own = pendingAppends.remove(gtid);
        if (own == null) {
          continue;
        }
        if (step.verdict() == ChainState.Verdict.ACCEPTED
            || (step.verdict() == ChainState.Verdict.DUPLICATE && accepted.contains(gtid))) {
          acked++;
          checker.acknowledged(id, gtid, now);
        } else {
          ownRejection(core, step.reason(), now);
        }
      }
    }
  }

  /** Chosen records below {@code instance} are durable here: a crash keeps the chain up to there. */
  void durableBelow(long instance) {
    undo.headMap(instance).clear();
  }

  /** After a crash: the chain as it was before {@code instance}, the first value not durable as chosen. */
  void rollBackTo(long instance) {
    Undo first = undo.get(instance);
    if (first == null) {
      throw new IllegalStateException("no chain state kept before instance " + instance + " (kept from "
          + (undo.isEmpty() ? "none" : undo.firstKey()) + ")");
    }
    chain = first.before();
    undo.tailMap(instance).values().forEach(x -> accepted.removeAll(x.accepted()));
    undo.tailMap(instance).clear();
  }

  private void onMasterChange(PaxosNode core, MasterChange mc, ChainState.Step step, long now) {
    boolean accepted = step.verdict() == ChainState.Verdict.ACCEPTED;
    if (mc.nodeId() == id && mc.epoch() == promoting) {
      promoting = 0;
      if (accepted) {
        masterEpoch = mc.epoch();
        tailSequence = step.next().lastSequence();
        tailGtid = step.next().lastGtid();
        run(core, roles.onPromoted(mc.epoch()), now);
        if (roles.role() == NodeRole.MASTER) {
          checker.master(id, mc.epoch(), chain, now);
        }
      } else {
        run(core, roles.onPromotionFailed(step.reason()), now);
      }
    } else if (accepted && mc.nodeId() != id && masterEpoch != 0) {
      ownRejection(core, "node " + mc.nodeId() + " became master at epoch " + mc.epoch(), now);
    }
  }

  /** The chain refused this master's own transaction: MariaDB holds it prepared and must roll it back. */
  private void ownRejection(PaxosNode core, String reason, long now) {
    endEpoch();
    run(core, roles.onDiverged(reason), now);
  }

  /** Carries out the role machine's commands the way the role executor does, on simulated time. */
  private void run(PaxosNode core, List<RoleCommand> commands, long now) {
    for (RoleCommand c : commands) {
      if (c instanceof RoleCommand.AllowCampaign a) {
        core.setCampaignAllowed(a.allowed());
      } else if (c instanceof RoleCommand.Resign) {
        core.resign();
      } else if (c instanceof RoleCommand.Publish p) {
        checker.published(id, p.role(), p.epoch(), now);
      } else if (c instanceof RoleCommand.Fence) {
        endEpoch();
        promoting = 0;
        // Kill -9 and a restart of MariaDB as a follower: up to a few ticks.
        fencedAt = now + 1 + rnd.nextLong(0, 500);
      } else if (c instanceof RoleCommand.Promote p) {
        promoting = p.epoch();
        if (!proposer.propose(ChainRecordCodec.encode(new MasterChange(p.epoch(), id)))) {
          promoting = 0;
          run(core, roles.onPromotionFailed("the master change could not be queued"), now);
        }
      }
    }
  }
}
