package io.paxosql.node.mariadb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MariaDbConfigTest {
  @Test
  void callerOptionsOverrideDefaultsAndTheLastSetWins() {
    String cnf = MariaDbConfig.builder(Path.of("/tmp/x"), 3307, 5)
        .set("sync_binlog", "0").set("sync_binlog", "1").set("rpl_semi_sync_master_enabled", "ON")
        .build().renderDefaultsFile();
    assertEquals(1, cnf.lines().filter(l -> l.startsWith("sync_binlog=")).count());
    assertTrue(cnf.contains("\nsync_binlog=1\n"));
    assertTrue(cnf.contains("\nrpl_semi_sync_master_enabled=ON\n"));
    assertTrue(cnf.contains("\nserver_id=5\n"));
    assertTrue(cnf.contains("\nbind_address=127.0.0.1\n"));
  }

  @Test
  void longBaseDirsGetASocketPathMariadbAccepts() {
    Path deep = Path.of("/tmp/" + "d".repeat(120));
    MariaDbConfig c = MariaDbConfig.builder(deep, 3307, 5).build();
    assertTrue(c.socketPath().toString().length() <= MariaDbConfig.MAX_SOCKET_PATH, c.socketPath().toString());
  }

  @Test
  void badValuesAreRejectedWithTheirName() {
    var e = assertThrows(IllegalArgumentException.class, () -> MariaDbConfig.builder(Path.of("/tmp"), 70000, 1).build());
    assertTrue(e.getMessage().contains("port 70000"));
    e = assertThrows(IllegalArgumentException.class, () -> MariaDbConfig.builder(Path.of("/tmp"), 3306, 0).build());
    assertTrue(e.getMessage().contains("server_id 0"));
    e = assertThrows(IllegalArgumentException.class, () -> MariaDbConfig.builder(Path.of("/tmp"), 3306, 1).set("a\nb", "1"));
    assertTrue(e.getMessage().contains("invalid my.cnf option"));
  }
}
