package io.paxosql.node.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.role.RoleCommand.AllowCampaign;
import io.paxosql.node.role.RoleCommand.Fence;
import io.paxosql.node.role.RoleCommand.Promote;
import io.paxosql.node.role.RoleCommand.Publish;
import io.paxosql.node.role.RoleCommand.Resign;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoleMachineTest {
  private static RoleMachine healthyFollower() {
    RoleMachine m = new RoleMachine();
    m.onHealth(true);
    m.onCaughtUp(true);
    m.onFollowing();
    return m;
  }

  @Test
  void campaignsOnlyWhileHealthyAndCaughtUp() {
    RoleMachine m = new RoleMachine();
    assertEquals(List.of(), m.onHealth(true));
    List<RoleCommand> out = m.onFollowing();
    assertTrue(out.contains(new Publish(NodeRole.FOLLOWER, 0)));
    assertFalse(m.campaignAllowed(), "not caught up yet");
    assertEquals(List.of(new AllowCampaign(true)), m.onCaughtUp(true));
    assertEquals(List.of(new AllowCampaign(false)), m.onCaughtUp(false));
    m.onCaughtUp(true);
    assertEquals(List.of(new AllowCampaign(false)), m.onHealth(false));
  }

  @Test
  void leaseWonPromotesThenPublishesMaster() {
    RoleMachine m = healthyFollower();
    List<RoleCommand> out = m.onLease(true, 7);
    assertEquals(List.of(new Publish(NodeRole.PROMOTING, 7), new Promote(7)), out);
    assertEquals(NodeRole.PROMOTING, m.role());
    assertEquals(List.of(new Publish(NodeRole.MASTER, 7)), m.onPromoted(7));
    assertEquals(NodeRole.MASTER, m.role());
    assertTrue(m.campaignAllowed(), "a master keeps renewing");
  }

  @Test
  void lostLeaseFencesAndAfterwardsFollows() {
    RoleMachine m = healthyFollower();
    m.onLease(true, 7);
    m.onPromoted(7);
    List<RoleCommand> out = m.onLease(false, 0);
    assertEquals(NodeRole.FENCING, m.role());
    assertTrue(out.contains(new Publish(NodeRole.FENCING, 7)));
    assertTrue(out.stream().anyMatch(c -> c instanceof Fence f && f.reason().equals("lease lost")));
    assertFalse(m.campaignAllowed(), "a fencing node must not win the lease back mid-fence");
    out = m.onFenced();
    assertEquals(NodeRole.FOLLOWER, m.role());
    assertTrue(out.contains(new Publish(NodeRole.FOLLOWER, 7)));
    assertTrue(m.campaignAllowed());
  }

  @Test
  void aMasterWhoseMariaDbFailsResignsAndFences() {
    RoleMachine m = healthyFollower();
    m.onLease(true, 3);
    m.onPromoted(3);
    List<RoleCommand> out = m.onHealth(false);
    assertTrue(out.stream().anyMatch(c -> c instanceof Resign));
    assertTrue(out.stream().anyMatch(c -> c instanceof Fence));
    assertEquals(NodeRole.FENCING, m.role());
  }

  @Test
  void anEpochIsPromotedOnlyOnce() {
    RoleMachine m = healthyFollower();
    m.onLease(true, 4);
    m.onPromotionFailed("MASTER_GTID_WAIT timed out");
    assertEquals(NodeRole.FENCING, m.role());
    List<RoleCommand> out = m.onFenced();
    assertEquals(NodeRole.FOLLOWER, m.role(), "the lease of epoch 4 is still held but must not be promoted again");
    assertTrue(out.stream().anyMatch(c -> c instanceof Resign), out.toString());
    out = m.onLease(true, 5);
    assertTrue(out.contains(new Promote(5)), out.toString());
  }

  @Test
  void stepDownResignsAndDoesNotCampaignUntilTheLeaseMoved() {
    RoleMachine m = healthyFollower();
    m.onLease(true, 2);
    m.onPromoted(2);
    List<RoleCommand> out = m.onStepDownRequested();
    assertTrue(out.contains(new AllowCampaign(false)));
    assertTrue(out.stream().anyMatch(c -> c instanceof Resign));
    m.onLease(false, 0);
    assertEquals(NodeRole.FENCING, m.role());
    m.onFenced();
    assertTrue(m.campaignAllowed(), "eligible again once the lease went elsewhere");
  }

  @Test
  void aResignForAReasonSaysItAndOnlyAMasterResigns() {
    RoleMachine follower = healthyFollower();
    assertEquals(List.of(), follower.onResignRequested("only-us breach (foreign-replica)"));
    RoleMachine m = healthyFollower();
    m.onLease(true, 2);
    m.onPromoted(2);
    List<RoleCommand> out = m.onResignRequested("only-us breach (foreign-replica)");
    assertEquals(List.of(new AllowCampaign(false), new Resign("only-us breach (foreign-replica)")), out);
    m.onLease(false, 0);
    assertEquals(NodeRole.FENCING, m.role(), "the lost lease fences it");
  }

  @Test
  void aDivergedFollowerRefusesToServe() {
    RoleMachine m = healthyFollower();
    List<RoleCommand> out = m.onDiverged("MariaDB holds 0-2-9 which the cluster never chose");
    assertEquals(NodeRole.DIVERGED, m.role());
    assertTrue(out.contains(new Publish(NodeRole.DIVERGED, 0)));
    assertFalse(m.campaignAllowed());
    assertEquals(List.of(), m.onLease(true, 9).stream().filter(c -> c instanceof Promote).toList());
    m.onFollowing();
    assertEquals(NodeRole.DIVERGED, m.role(), "stays diverged until rebuilt");
  }

  /** Random inputs: never master without the lease of its epoch, never promote or fence twice at once. */
  @Test
  void randomInputsKeepTheInvariants() {
    for (long seed = 0; seed < 500; seed++) {
      Random r = new Random(seed);
      RoleMachine m = new RoleMachine();
      boolean lease = false;
      long leaseEpoch = 0;
      long nextEpoch = 1;
      for (int i = 0; i < 200; i++) {
        List<RoleCommand> out;
        switch (r.nextInt(9)) {
          case 0 -> { lease = r.nextBoolean(); leaseEpoch = lease ? nextEpoch++ : 0; out = m.onLease(lease, leaseEpoch); }
          case 1 -> out = m.onHealth(r.nextInt(4) > 0);
          case 2 -> out = m.onCaughtUp(r.nextInt(3) > 0);
          case 3 -> out = m.onPromoted(m.epoch());
          case 4 -> out = m.onPromotionFailed("x");
          case 5 -> out = m.onFenced();
          case 6 -> out = m.onStepDownRequested();
          case 7 -> out = m.onFollowing();
          default -> out = m.onDiverged("d");
        }
        long starts = out.stream().filter(c -> c instanceof Promote || c instanceof Fence).count();
        assertTrue(starts <= 1, "seed " + seed + ": two long steps at once " + out);
        if (m.role() == NodeRole.MASTER || m.role() == NodeRole.PROMOTING) {
          assertTrue(lease && leaseEpoch == m.epoch(), "seed " + seed + ": master without its lease");
        }
        assertFalse(m.role() == NodeRole.DIVERGED && m.campaignAllowed(), "seed " + seed);
      }
    }
  }
}
