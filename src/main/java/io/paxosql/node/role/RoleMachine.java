package io.paxosql.node.role;

import io.paxosql.node.role.RoleCommand.AllowCampaign;
import io.paxosql.node.role.RoleCommand.Fence;
import io.paxosql.node.role.RoleCommand.Promote;
import io.paxosql.node.role.RoleCommand.Publish;
import io.paxosql.node.role.RoleCommand.Resign;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides a node's role from what it observes: its lease, its MariaDB's health and lag, and the
 * outcome of the long steps it started. Pure and single-threaded: every input returns the commands
 * to carry out. At most one long step (promote or fence) runs at a time; inputs that arrive meanwhile
 * are remembered and acted on when it ends.
 *
 * <p>Safety does not rest on this machine's speed: a master's MariaDB commits only what the capture
 * ACKs, and it ACKs only chosen transactions of its own epoch. The machine makes a deposed or broken
 * master stop serving and roll back what it never got chosen.
 */
public final class RoleMachine {
  private NodeRole role = NodeRole.STARTING;
  private long epoch;
  /** A lease epoch is promoted at most once: a second master-change record for it would be refused. */
  private long lastPromotedEpoch;
  private boolean leaseHeld;
  private long leaseEpoch;
  private boolean healthy;
  private boolean caughtUp;
  private boolean stepDownPending;
  private boolean campaignAllowed;
  private String divergence;

  public NodeRole role() {
    return role;
  }

  public long epoch() {
    return epoch;
  }

  public boolean campaignAllowed() {
    return campaignAllowed;
  }

  public String divergence() {
    return divergence;
  }

  /** MariaDB runs as a follower of the local binlog server (after start or after fencing). */
  public List<RoleCommand> onFollowing() {
    List<RoleCommand> out = new ArrayList<>();
    if (role == NodeRole.DIVERGED) {
      return out;
    }
    role = NodeRole.FOLLOWER;
    out.add(new Publish(NodeRole.FOLLOWER, epoch));
    reconsider(out);
    return out;
  }

  /** The lease as Paxos reports it; {@code epoch} identifies the leadership that holds it. */
  public List<RoleCommand> onLease(boolean held, long epoch) {
    leaseHeld = held;
    leaseEpoch = held ? epoch : 0;
    List<RoleCommand> out = new ArrayList<>();
    reconsider(out);
    return out;
  }

  /** The health probe: MariaDB answers in time ({@code true}) or is down or hung. */
  public List<RoleCommand> onHealth(boolean healthy) {
    this.healthy = healthy;
    List<RoleCommand> out = new ArrayList<>();
    reconsider(out);
    return out;
  }

  /** Whether MariaDB has applied every transaction chosen so far. */
  public List<RoleCommand> onCaughtUp(boolean caughtUp) {
    this.caughtUp = caughtUp;
    List<RoleCommand> out = new ArrayList<>();
    reconsider(out);
    return out;
  }

  public List<RoleCommand> onPromoted(long promotedEpoch) {
    List<RoleCommand> out = new ArrayList<>();
    if (role == NodeRole.PROMOTING && promotedEpoch == epoch) {
      role = NodeRole.MASTER;
      out.add(new Publish(NodeRole.MASTER, epoch));
    }
    reconsider(out);
    return out;
  }

  public List<RoleCommand> onPromotionFailed(String reason) {
    List<RoleCommand> out = new ArrayList<>();
    if (role == NodeRole.PROMOTING) {
      // Half a promotion may have opened MariaDB for writes: fence rather than guess.
      startFence("promotion failed: " + reason, out);
    }
    return out;
  }

  public List<RoleCommand> onFenced() {
    List<RoleCommand> out = new ArrayList<>();
    if (role == NodeRole.FENCING) {
      role = NodeRole.FOLLOWER;
      out.add(new Publish(NodeRole.FOLLOWER, epoch));
    }
    reconsider(out);
    return out;
  }

  /** The chain refused one of this master's transactions, or MariaDB holds a GTID never chosen. */
  public List<RoleCommand> onDiverged(String reason) {
    List<RoleCommand> out = new ArrayList<>();
    if (role == NodeRole.MASTER || role == NodeRole.PROMOTING) {
      // A master's refused transaction is still only prepared: fencing rolls it back.
      startFence(reason, out);
      return out;
    }
    divergence = reason;
    role = NodeRole.DIVERGED;
    out.add(new Publish(NodeRole.DIVERGED, epoch));
    setCampaign(false, out);
    if (leaseHeld) {
      out.add(new Resign("diverged: " + reason));
    }
    return out;
  }

  /**
   * MariaDB was rebuilt from a member's backup and follows the local binlog server again: a diverged
   * node's evidence is gone with its old datadir, so it is an ordinary follower once more.
   */
  public List<RoleCommand> onRebuilt() {
    List<RoleCommand> out = new ArrayList<>();
    if (role == NodeRole.DIVERGED || role == NodeRole.FOLLOWER) {
      divergence = null;
      role = NodeRole.FOLLOWER;
      out.add(new Publish(NodeRole.FOLLOWER, epoch));
    }
    reconsider(out);
    return out;
  }

  public List<RoleCommand> onStepDownRequested() {
    return onResignRequested("step-down requested");
  }

  /**
   * The master gives up its lease for {@code reason} (a planned step-down, or a breach of the only-us
   * rule once its commits are chosen); losing the lease then fences it, as any lost lease does.
   */
  public List<RoleCommand> onResignRequested(String reason) {
    List<RoleCommand> out = new ArrayList<>();
    if (role == NodeRole.MASTER || role == NodeRole.PROMOTING) {
      stepDownPending = true;
      setCampaign(false, out);
      out.add(new Resign(reason));
    }
    return out;
  }

  private void reconsider(List<RoleCommand> out) {
    if (role == NodeRole.FOLLOWER && !leaseHeld) {
      stepDownPending = false;
    }
    boolean eligible = healthy && caughtUp && !stepDownPending
        && (role == NodeRole.FOLLOWER || role == NodeRole.PROMOTING || role == NodeRole.MASTER);
    setCampaign(eligible || ((role == NodeRole.MASTER || role == NodeRole.PROMOTING) && healthy && !stepDownPending), out);
    switch (role) {
      case FOLLOWER -> {
        if (leaseHeld && leaseEpoch <= lastPromotedEpoch) {
          out.add(new Resign("the lease of epoch " + leaseEpoch + " was already used; a new election gives a new epoch"));
        } else if (leaseHeld && healthy && caughtUp && !stepDownPending) {
          role = NodeRole.PROMOTING;
          epoch = leaseEpoch;
          lastPromotedEpoch = epoch;
          out.add(new Publish(NodeRole.PROMOTING, epoch));
          out.add(new Promote(epoch));
        }
      }
      case PROMOTING, MASTER -> {
        if (!leaseHeld || leaseEpoch != epoch) {
          startFence("lease lost", out);
        } else if (!healthy) {
          out.add(new Resign("local MariaDB is down or hung"));
          startFence("local MariaDB is down or hung", out);
        }
      }
      default -> { }
    }
  }

  private void startFence(String reason, List<RoleCommand> out) {
    role = NodeRole.FENCING;
    out.add(new Publish(NodeRole.FENCING, epoch));
    setCampaign(false, out);
    out.add(new Fence(reason));
  }

  private void setCampaign(boolean allowed, List<RoleCommand> out) {
    if (allowed != campaignAllowed) {
      campaignAllowed = allowed;
      out.add(new AllowCampaign(allowed));
    }
  }
}
