package io.paxosql.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paxosql.config.NodeConfig;
import io.paxosql.config.NodeConfigLoader;
import io.paxosql.node.replog.ReplogOptions;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.testing.ClusterLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The node's test-only log start ({@link NodeWiring#TEST_FIRST_INSTANCE}): read strictly, and wired into both the log and the core. */
class TestFirstInstanceTest {

  @Test
  void unsetMeansZeroAndAnIdAbove32BitsIsKeptWhole() {
    assertEquals(0, NodeWiring.firstInstance(null));
    assertEquals((1L << 32) - 5, NodeWiring.firstInstance(" 4294967291 "));
    assertEquals(PaxosConfig.MAX_FIRST_INSTANCE, NodeWiring.firstInstance(Long.toString(PaxosConfig.MAX_FIRST_INSTANCE)));
  }

  @Test
  void malformedOrOutOfRangeValuesAreRefusedNamingTheProperty() {
    for (String bad : List.of("", "4e9", "0x100000000", "-1", Long.toString(PaxosConfig.MAX_FIRST_INSTANCE + 1),
        "99999999999999999999")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeWiring.firstInstance(bad),
          "'" + bad + "'");
      assertTrue(e.getMessage().contains(NodeWiring.TEST_FIRST_INSTANCE) && e.getMessage().contains("remove it"),
          e.getMessage());
    }
  }

  @Test
  void theStartReachesTheLogAndTheCoreAlike() {
    ClusterLayout layout = ClusterLayout.onFreePorts(3).plaintext();
    NodeConfig c = NodeConfigLoader.parse(layout.yaml(1, ""), "node1.yaml", Path.of("/tmp"));
    long first = (1L << 32) + 7;
    ReplogOptions o = NodeWiring.replogOptions(c, new TreeSet<>(List.of(1, 2, 3)), Map.of(), first);
    assertEquals(first, o.log().firstInstance());
    assertEquals(first, o.paxos().firstInstance());
    assertEquals(0, NodeWiring.replogOptions(c, new TreeSet<>(List.of(1, 2, 3)), Map.of(), 0).log().firstInstance());
  }
}
