package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.role.NodeRole;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SemiSyncCountCadenceTest {
  private static final Set<Long> CAPTURE = Set.of(12L);

  @Test
  void theFirstCheckCountsThenEveryNthWhileNothingChanges() {
    SemiSyncCountCadence c = new SemiSyncCountCadence(5);
    assertTrue(c.due(NodeRole.MASTER), "nothing counted yet");
    c.counted(NodeRole.MASTER, CAPTURE, false);
    for (int i = 0; i < 4; i++) {
      assertFalse(c.due(NodeRole.MASTER), "check " + (i + 1) + " after the count");
      assertFalse(c.changed(Set.of(12L)));
      c.skipped(NodeRole.MASTER);
    }
    assertTrue(c.due(NodeRole.MASTER), "the fifth check counts again");
    c.counted(NodeRole.MASTER, CAPTURE, false);
    assertFalse(c.due(NodeRole.MASTER));
  }

  @Test
  void aDumpThatCameOrWentMakesTheCheckCount() {
    SemiSyncCountCadence c = new SemiSyncCountCadence(5);
    c.counted(NodeRole.MASTER, CAPTURE, false);
    assertTrue(c.changed(Set.of(12L, 40L)), "a second dump");
    assertTrue(c.changed(Set.of()), "the capture's dump gone");
    assertTrue(c.changed(Set.of(13L)), "the capture reconnected: same number, another id");
    c.counted(NodeRole.MASTER, Set.of(13L), false);
    assertFalse(c.changed(Set.of(13L)));
  }

  @Test
  void aNewRoleCountsAtOnce() {
    SemiSyncCountCadence c = new SemiSyncCountCadence(5);
    c.counted(NodeRole.FOLLOWER, Set.of(), false);
    c.skipped(NodeRole.FOLLOWER);
    assertTrue(c.due(NodeRole.PROMOTING), "a promoting node must see its clients before it serves");
    c.counted(NodeRole.PROMOTING, Set.of(), false);
    assertTrue(c.due(NodeRole.MASTER));
  }

  @Test
  void clientsWithoutADumpAreCountedAgainAtTheNextCheck() {
    SemiSyncCountCadence c = new SemiSyncCountCadence(5);
    c.counted(NodeRole.MASTER, CAPTURE, true);
    assertTrue(c.due(NodeRole.MASTER), "the second strike must come one check later, not five");
    c.counted(NodeRole.MASTER, CAPTURE, false);
    assertFalse(c.due(NodeRole.MASTER));
  }

  @Test
  void everyOneCountsAlwaysAndLessIsRefused() {
    SemiSyncCountCadence c = new SemiSyncCountCadence(1);
    c.counted(NodeRole.FOLLOWER, Set.of(), false);
    assertTrue(c.due(NodeRole.FOLLOWER));
    assertThrows(IllegalArgumentException.class, () -> new SemiSyncCountCadence(0));
  }
}
