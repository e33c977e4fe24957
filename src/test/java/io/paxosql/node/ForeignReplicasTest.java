package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.node.mariadb.ReplicaConnections;
import io.paxosql.node.mariadb.ReplicaConnections.DumpConnection;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ForeignReplicasTest {
  private static final DumpConnection OURS = new DumpConnection(12, "repl", "127.0.0.1:4100");
  private static final DumpConnection LINGERING = new DumpConnection(7, "repl", "127.0.0.1:4090");

  @Test
  void theCaptureAloneOrWithItsOwnLingeringEarlierDumpIsFine() {
    assertFalse(ForeignReplicas.judge(new ReplicaConnections(1, List.of(OURS)), Set.of(7L, 12L)).any());
    assertFalse(ForeignReplicas.judge(new ReplicaConnections(2, List.of(LINGERING, OURS)), Set.of(7L, 12L)).any());
    assertFalse(ForeignReplicas.judge(new ReplicaConnections(0, List.of()), Set.of()).any());
  }

  @Test
  void aDumpThatIsNotTheCapturesIsForeignAndNamedWithWhatToDo() {
    DumpConnection root = new DumpConnection(40, "root", "127.0.0.1:5000");
    ForeignReplicas f = ForeignReplicas.judge(new ReplicaConnections(2, List.of(OURS, root)), Set.of(12L));
    assertEquals(List.of(root), f.foreign());
    String said = f.describe("repl");
    assertTrue(said.contains("connection 40 of 'root'@'127.0.0.1:5000'"), said);
    assertTrue(said.contains("granted it by hand"), said);
  }

  @Test
  void aSecondLoginOfTheReplicationAccountSaysItsPasswordLeaked() {
    DumpConnection other = new DumpConnection(41, "repl", "127.0.0.1:5001");
    String said = ForeignReplicas.judge(new ReplicaConnections(2, List.of(OURS, other)), Set.of(12L)).describe("repl");
    assertTrue(said.contains("replication account's password"), said);
  }

  @Test
  void anyDumpWhileNoCaptureRunsIsForeign() {
    assertEquals(List.of(OURS), ForeignReplicas.judge(new ReplicaConnections(0, List.of(OURS)), Set.of()).foreign());
  }

  @Test
  void semiSyncClientsBeyondTheVisibleDumpsAreReported() {
    ForeignReplicas f = ForeignReplicas.judge(new ReplicaConnections(2, List.of(OURS)), Set.of(12L));
    assertTrue(f.any());
    assertTrue(f.describe("repl").contains("1 semi-sync client(s) without a visible dump connection"));
  }

  @Test
  void aLookWithoutTheCountStillFindsAForeignDumpAndClaimsNoUnexplainedClient() {
    DumpConnection root = new DumpConnection(40, "root", "127.0.0.1:5000");
    ForeignReplicas f = ForeignReplicas.judge(ReplicaConnections.dumpsOnly(List.of(OURS, root)), Set.of(12L));
    assertEquals(List.of(root), f.foreign());
    assertEquals(0, f.unexplainedSemiSyncClients());
    assertFalse(ForeignReplicas.judge(ReplicaConnections.dumpsOnly(List.of(OURS)), Set.of(12L)).any());
  }
}
