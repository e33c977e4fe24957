package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.mariadb.SemiSyncReplicas;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OnlyUsCheckTest {
  private static final Set<Long> OURS = Set.of(7L, 12L);

  @Test
  void theCaptureAloneWithSemiSyncAfterSyncIsFine() {
    assertEquals(Optional.empty(), OnlyUsCheck.problem(new SemiSyncReplicas(1, List.of(12L), "ON", "AFTER_SYNC"), OURS));
  }

  @Test
  void aCaptureStillConnectingOrALingeringEarlierConnectionOfOursIsFine() {
    assertEquals(Optional.empty(), OnlyUsCheck.problem(new SemiSyncReplicas(0, List.of(), "ON", "AFTER_SYNC"), OURS));
    assertEquals(Optional.empty(), OnlyUsCheck.problem(new SemiSyncReplicas(2, List.of(7L, 12L), "ON", "AFTER_SYNC"), OURS));
  }

  @Test
  void aDumpThreadThatIsNotOursIsAProblemNamingIt() {
    String p = OnlyUsCheck.problem(new SemiSyncReplicas(2, List.of(12L, 40L), "ON", "AFTER_SYNC"), OURS).orElseThrow();
    assertTrue(p.contains("[40]"), p);
  }

  @Test
  void moreSemiSyncClientsThanOurDumpThreadsIsAProblem() {
    String p = OnlyUsCheck.problem(new SemiSyncReplicas(2, List.of(12L), "ON", "AFTER_SYNC"), OURS).orElseThrow();
    assertTrue(p.contains("2 semi-sync clients"), p);
  }

  @Test
  void semiSyncOffOrAfterCommitIsAProblem() {
    String off = OnlyUsCheck.problem(new SemiSyncReplicas(0, List.of(12L), "OFF", "AFTER_SYNC"), OURS).orElseThrow();
    assertTrue(off.contains("rpl_semi_sync_master_enabled is OFF"), off);
    String commit = OnlyUsCheck.problem(new SemiSyncReplicas(1, List.of(12L), "ON", "AFTER_COMMIT"), OURS).orElseThrow();
    assertTrue(commit.contains("wait_point is AFTER_COMMIT"), commit);
  }

  @Test
  void anyDumpThreadOnAFollowerIsForeign() {
    assertEquals(Optional.empty(), OnlyUsCheck.followerProblem(new SemiSyncReplicas(0, List.of(), "OFF", "AFTER_SYNC")));
    assertTrue(OnlyUsCheck.followerProblem(new SemiSyncReplicas(0, List.of(9L), "OFF", "AFTER_SYNC")).isPresent());
  }
}
