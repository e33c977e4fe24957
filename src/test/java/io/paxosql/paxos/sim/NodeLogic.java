package io.paxosql.paxos.sim;

import io.paxosql.binlog.Transaction;
import io.paxosql.binlog.event.Gtid;
import io.paxosql.node.chain.ChainState;
import io.paxosql.node.chain.ChainedLog;
import io.paxosql.node.replog.SimProposals;
import io.paxosql.node.role.NodeRole;
import io.paxosql.node.role.RoleCommand;
import io.paxosql.node.role.RoleMachine;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.Status;
import io.paxosql.paxos.Value;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One simulated node above its Paxos core: the real {@link RoleMachine} decides its role from the lease,
 * its (simulated) MariaDB's health and whether it caught up; the real {@link ChainedLog} (with its
 * {@link ChainState}, proposal window and checkpoint candidates) derives the chain from the chosen values
 * this node applies and takes the master's appends, over {@link SimChosenLog}. A master appends
 * transactions as the capture does, and a transaction is acknowledged to its client when the chain's append
 * completes. A restart builds a new chain from the node's durable log, as a real restart does from its
 * checkpoint. What this class still mirrors by hand is the role executor (a promotion is the chain's
 * epoch and nothing else; a fence ends the epoch and takes simulated time) and MariaDB.
 */
final class NodeLogic {
  /** How the simulator queues bytes in this node's core, tracked like any proposal; false if refused. */
  interface Proposer {
    boolean propose(byte[] bytes, SimProposals.Answer answer);
  }

  private final int id;
  private final NodeChecker checker;
  private final SplittableRandom rnd;
  private final SimChosenLog chosenLog;
  private RoleMachine roles = new RoleMachine();
  /** The chain of this process (a new one at each restart, rebuilt from the durable log). */
  private ChainedLog chained;
  /** The transactions this process's chain accepted (what it published to binlog readers). */
  private Set<Gtid> accepted = new HashSet<>();
  private PaxosNode core;
  private long now;
  private boolean healthy = true;
  private long healthyAt = -1;
  private long fencedAt = -1;
  private boolean leaseHeld;
  private long leaseEpoch;
  private boolean caughtUp;
  /** The last GTID sequence number this node's MariaDB gave a transaction (it survives restarts). */
  private long lastSeqNo;
  /** What ReplicatedLog.maxProposalBytes gives the chain: bigger transactions are split into parts. */
  private final int maxRecordBytes;
  long acked;

  NodeLogic(int id, NodeChecker checker, Proposer proposer, SplittableRandom rnd, int maxBatchBytes) {
    this.maxRecordBytes = maxBatchBytes - 32;
    this.id = id;
    this.checker = checker;
    this.rnd = rnd;
    this.chosenLog = new SimChosenLog(proposer::propose, maxRecordBytes);
  }

  NodeRole role() {
    return roles.role();
  }

  ChainState chain() {
    return chained.state();
  }

  boolean hasAccepted(Gtid g) {
    return accepted.contains(g);
  }

  String describe() {
    ChainState c = chained.state();
    return "role=" + roles.role() + " epoch=" + roles.epoch() + " campaign=" + roles.campaignAllowed() + " healthy="
        + healthy + " caughtUp=" + caughtUp + " lease=" + leaseHeld + "/" + leaseEpoch + " pending="
        + chained.pendingCount() + " fencedAt=" + fencedAt + " chain=" + c.epoch() + "/n" + c.masterNode() + "/"
        + c.lastSequence();
  }

  static long epochOf(Status st) {
    return st.ballot().round() * 4096 + Math.max(0, st.ballot().node());
  }

  /**
   * The process (re)starts: a fresh role machine, and a new chain that first takes {@code durable} (the
   * chosen values of the node's durable log; a value the old chain got before its Chosen record was durable
   * and the crash lost is not among them); MariaDB comes up as a follower of the local chain.
   */
  void start(PaxosNode core, List<ChosenValue> durable, long now) {
    this.core = core;
    this.now = now;
    if (chained != null) {
      chained.endEpoch("the process died");
    }
    chained = new ChainedLog(chosenLog, id, reason -> run(roles.onDiverged(reason)));
    accepted = new HashSet<>();
    chained.subscribe(at -> accepted.add(at.gtid()));
    chained.start();
    for (ChosenValue c : durable) {
      applied(core, c.instance(), c.value(), now);
    }
    roles = new RoleMachine();
    healthy = true;
    healthyAt = -1;
    fencedAt = -1;
    leaseHeld = false;
    leaseEpoch = 0;
    caughtUp = false;
    core.setCampaignAllowed(roles.campaignAllowed());
    run(roles.onFollowing());
    run(roles.onHealth(true)); // the health probe's first answer
  }

  /** MariaDB stops answering for a while (down or hung), as the health probe would see it. */
  void mariaDbFails(PaxosNode core, long now, long until) {
    this.core = core;
    this.now = now;
    if (healthy) {
      healthy = false;
      healthyAt = until;
      run(roles.onHealth(false));
    }
  }

  /**
   * After every simulated event, with the node up and its loop running: the inputs the node monitor and
   * the lease listener feed, when they change, and the long steps that finished by now.
   */
  void observe(PaxosNode core, long now, long appliedBelow) {
    this.core = core;
    this.now = now;
    if (!healthy && healthyAt <= now) {
      healthy = true;
      run(roles.onHealth(true));
    }
    if (fencedAt >= 0 && fencedAt <= now) {
      fencedAt = -1;
      run(roles.onFenced());
    }
    boolean held = core.holdsLease();
    long epoch = held ? epochOf(core.status()) : 0;
    if (held != leaseHeld || epoch != leaseEpoch) {
      leaseHeld = held;
      leaseEpoch = epoch;
      run(roles.onLease(held, epoch));
    }
    boolean upToDate = healthy && appliedBelow >= core.firstUnchosen();
    if (upToDate != caughtUp) {
      caughtUp = upToDate;
      run(roles.onCaughtUp(upToDate));
    }
    checker.roleAfterEvent(id, roles.role(), roles.epoch(), held, epoch, now);
  }

  /**
   * The master's client work: a few transactions of random size, each handed to the chain's append as
   * the capture does; the chain chains and encodes them (split into parts when larger than a record may be).
   */
  void write(int count) {
    if (roles.role() != NodeRole.MASTER || !healthy) {
      return;
    }
    for (int i = 0; i < count; i++) {
      Gtid last = chained.state().lastGtid();
      lastSeqNo = Math.max(lastSeqNo, last == null ? 0 : last.seqNo()) + 1;
      Gtid gtid = new Gtid(0, id, lastSeqNo);
      byte[] event = new byte[1 + rnd.nextInt(3 * maxRecordBytes)];
      rnd.nextBytes(event);
      Transaction tx = new Transaction(gtid, List.of(event), "b", gtid.seqNo());
      chained.append(tx).onSuccess(e -> {
        acked++;
        checker.acknowledged(id, gtid, this.now);
      });
    }
  }

  /** A chosen value this node applies, in instance order: each of its records through the real chain. */
  void applied(PaxosNode core, long instance, Value v, long now) {
    this.core = core;
    this.now = now;
    chosenLog.deliver(instance, v, at -> checker.chainAfter(id, at.instance(), at.index(), chained.state()));
  }

  /** Carries out the role machine's commands the way the role executor does, on simulated time. */
  private void run(List<RoleCommand> commands) {
    for (RoleCommand c : commands) {
      if (c instanceof RoleCommand.AllowCampaign a) {
        core.setCampaignAllowed(a.allowed());
      } else if (c instanceof RoleCommand.Resign) {
        core.resign();
      } else if (c instanceof RoleCommand.Publish p) {
        checker.published(id, p.role(), p.epoch(), now);
      } else if (c instanceof RoleCommand.Fence f) {
        chained.endEpoch("fencing: " + f.reason());
        // Kill -9 and a restart of MariaDB as a follower: up to a few ticks.
        fencedAt = now + 1 + rnd.nextLong(0, 500);
      } else if (c instanceof RoleCommand.Promote p) {
        ChainedLog chain = chained;
        chain.beginEpoch(p.epoch()).onComplete(ar -> {
          if (chain != chained) {
            return; // that process died
          }
          if (ar.succeeded()) {
            run(roles.onPromoted(p.epoch()));
            if (roles.role() == NodeRole.MASTER) {
              checker.master(id, p.epoch(), chained.state(), now);
            }
          } else {
            run(roles.onPromotionFailed(ar.cause().getMessage()));
          }
        });
      }
    }
  }
}
