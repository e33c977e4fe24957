package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.config.NodeConfig;
import io.paxosql.config.NodeConfigLoader;
import io.paxosql.testing.ClusterLayout;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemberDirectoryTest {

  private static NodeConfig config(Path dir, int id, List<Integer> listed) throws Exception {
    Path file = dir.resolve("node" + id + ".yaml");
    Files.writeString(file, ClusterLayout.onFreePorts(5).yaml(id, "", listed));
    return NodeConfigLoader.load(file);
  }

  /** A restart finds what the last run learned: members added since the config was written, and the genesis set. */
  @Test
  void savedAddressesAndSettledGenesisSurviveARestart(@TempDir Path dir) throws Exception {
    NodeConfig c = config(dir, 4, List.of(1, 4));
    Files.createDirectories(c.dataDir());
    MemberDirectory d = MemberDirectory.load(c);
    JsonObject answer = new JsonObject().put("genesis", new JsonArray(List.of(1, 2, 3)))
        .put("members", new JsonArray().add(MemberDirectory.toJson(new NodeConfig.Member(2, "10.0.0.2", 1, 2, 3)))
            .add(MemberDirectory.toJson(new NodeConfig.Member(4, "elsewhere", 9, 9, 9))));
    assertTrue(d.merge(answer));
    assertEquals(c.self(), d.member(4).orElseThrow(), "nobody else says where this node is");
    d.save();

    MemberDirectory again = MemberDirectory.load(c);
    assertEquals(new TreeSet<>(Set.of(1, 2, 3)), again.genesis().orElseThrow());
    assertTrue(again.genesisSettled());
    assertEquals("10.0.0.2", again.member(2).orElseThrow().host());
    assertEquals(Set.of(1, 2), again.paxosPeers().keySet());
  }

  /** A guess from the node's own list is used but never saved: a joiner that met nobody must not keep it. */
  @Test
  void anAssumedGenesisIsNotSaved(@TempDir Path dir) throws Exception {
    NodeConfig c = config(dir, 1, List.of(1, 2, 3));
    Files.createDirectories(c.dataDir());
    MemberDirectory d = MemberDirectory.load(c);
    d.assumeGenesis(new TreeSet<>(Set.of(1, 2, 3)));
    d.save();
    assertTrue(MemberDirectory.load(c).genesis().isEmpty());
    d.settleGenesis();
    d.save();
    assertEquals(new TreeSet<>(Set.of(1, 2, 3)), MemberDirectory.load(c).genesis().orElseThrow());
  }

  @Test
  void removeDropsAnAddressButNeverThisNode(@TempDir Path dir) throws Exception {
    NodeConfig c = config(dir, 1, List.of(1, 2, 3));
    MemberDirectory d = MemberDirectory.load(c);
    assertTrue(d.remove(3));
    assertFalse(d.remove(3));
    assertFalse(d.remove(1));
    assertEquals(Set.of(2), d.paxosPeers().keySet());
  }

  @Test
  void aMalformedMemberIsRefusedNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MemberDirectory.fromJson(new JsonObject().put("id", 4).put("host", "h").put("paxos", "x")));
    assertTrue(e.getMessage().contains("'paxos'"), e.getMessage());
  }
}
