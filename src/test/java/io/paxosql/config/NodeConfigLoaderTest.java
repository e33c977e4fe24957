package io.paxosql.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeConfigLoaderTest {
  private static final Path BASE = Path.of("/etc/paxosql");

  private static final String VALID = """
      clusterId: prod-eu
      nodeId: 2
      dataDir: data/n2
      ports: { rw: 3306, ro: 3307, paxos: 7000, binlog: 7001, admin: 7002, internal: 7003 }
      members:
        - { id: 1, host: 10.0.0.1, paxos: 7000, internal: 7003, admin: 7002 }
        - { id: 2, host: 10.0.0.2, paxos: 7000, internal: 7003, admin: 7002 }
        - { id: 3, host: 10.0.0.3, paxos: 7000, internal: 7003, admin: 7002 }
      mariadb: { port: 3316 }
      replication: { user: repl }
      tls: { ca: tls/ca.pem, cert: tls/node-2.pem, key: tls/node-2.key }
      """;

  @Test
  void validFileParsesWithDefaults() {
    NodeConfig c = NodeConfigLoader.parse(VALID, "t.yaml", BASE);
    assertEquals("prod-eu", c.clusterId());
    assertEquals(2, c.nodeId());
    assertEquals(Path.of("/etc/paxosql/data/n2"), c.dataDir());
    assertEquals("10.0.0.2", c.self().host());
    assertEquals(NodeConfig.MariaDbMode.MANAGED, c.mariadb().mode());
    assertEquals("127.0.0.1", c.mariadb().host());
    assertEquals(NodeConfig.ReadConsistency.LOCAL, c.proxy().roConsistency());
    assertEquals(1000, c.proxy().maxConnections());
    assertEquals(3, c.members().size());
    assertEquals(AdminConfig.DEFAULTS, c.admin());
  }

  @Test
  void adminSectionAndReplicationDefaults() {
    NodeConfig c = NodeConfigLoader.parse(VALID.replace("replication: { user: repl }\n", "")
        + "admin: { bind: 0.0.0.0, protectReads: true, maxConnections: 8, idleTimeoutSeconds: 5 }\n", "t.yaml", BASE);
    assertEquals(new AdminConfig("0.0.0.0", true, 8, 5), c.admin());
    assertEquals("paxosql_repl", c.replication().user());
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(
        VALID + "admin: { protectReads: yes-please, maxConnections: 0 }\n", "t.yaml", BASE));
    assertTrue(e.getMessage().contains("admin.protectReads: expected true or false"), e.getMessage());
    assertTrue(e.getMessage().contains("admin.maxConnections: expected an integer from 1 to 10000, got 0"),
        e.getMessage());
  }

  /** Issue 15: the replication password no longer lives in a config file. */
  @Test
  void aReplicationPasswordInTheFileIsRefusedWithWhereItLivesNow() {
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(
        VALID.replace("replication: { user: repl }", "replication: { user: repl, password: long-enough-secret }"),
        "t.yaml", BASE));
    assertTrue(e.getMessage().contains("replication.password: remove it"), e.getMessage());
    assertTrue(e.getMessage().contains("dataDir/replication-password"), e.getMessage());
  }

  @Test
  void theLogSectionHasDefaultsAndNamesBadValues() {
    NodeConfig d = NodeConfigLoader.parse(VALID, "t.yaml", BASE);
    assertEquals(LogSettings.DEFAULTS, d.log());
    NodeConfig c = NodeConfigLoader.parse(VALID + "log: { retainBytes: 2097152, retainAge: 12h, checkpointEvery: 500 }\n",
        "t.yaml", BASE);
    assertEquals(new LogSettings(2L << 20, Duration.ofHours(12), 500), c.log());
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(
        VALID + "log: { retainBytes: 10, retainAge: soon }\n", "t.yaml", BASE));
    assertTrue(e.getMessage().contains("log.retainBytes: expected an integer from 1048576"), e.getMessage());
    assertTrue(e.getMessage().contains("log.retainAge: expected a duration such as 7d"), e.getMessage());
  }

  @Test
  void theDonorHoldTimeoutDefaultsToTwoHoursAndNamesBadValues() {
    assertEquals(Duration.ofHours(2), NodeConfigLoader.parse(VALID, "t.yaml", BASE).rebuild().donorHoldTimeout());
    assertEquals(RebuildConfig.DEFAULTS, NodeConfigLoader.parse(VALID, "t.yaml", BASE).rebuild());
    assertEquals(Duration.ofMinutes(90), NodeConfigLoader.parse(VALID.replace("mariadb: { port: 3316 }",
        "mariadb: { port: 3316, donorHoldTimeout: 90m }"), "t.yaml", BASE).rebuild().donorHoldTimeout());
    assertEquals(Duration.ofSeconds(600), NodeConfigLoader.parse(VALID.replace("mariadb: { port: 3316 }",
        "mariadb: { port: 3316, donorHoldTimeout: 600 }"), "t.yaml", BASE).rebuild().donorHoldTimeout());
    assertEquals(Duration.ofDays(7), NodeConfigLoader.parse(VALID.replace("mariadb: { port: 3316 }",
        "mariadb: { port: 3316, donorHoldTimeout: 7d }"), "t.yaml", BASE).rebuild().donorHoldTimeout());
    for (String bad : new String[] {"30s", "59", "8d", "169h"}) {
      ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(VALID.replace(
          "mariadb: { port: 3316 }", "mariadb: { port: 3316, donorHoldTimeout: " + bad + " }"), "t.yaml", BASE));
      assertTrue(e.getMessage().contains("mariadb.donorHoldTimeout: expected from 1m to 7d, got " + bad),
          e.getMessage());
    }
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(VALID.replace(
        "mariadb: { port: 3316 }", "mariadb: { port: 3316, donorHoldTimeout: soon }"), "t.yaml", BASE));
    assertTrue(e.getMessage().contains("mariadb.donorHoldTimeout: expected a duration such as 2h, 90m"), e.getMessage());
  }

  @Test
  void checkpointBytesDefaultsToAnEighthOfTheWindowAndMayNotExceedHalfOfIt() {
    NodeConfig d = NodeConfigLoader.parse(VALID + "log: { retainBytes: 67108864 }\n", "t.yaml", BASE);
    assertEquals(8L << 20, d.log().checkpointBytes());
    NodeConfig c = NodeConfigLoader.parse(VALID + "log: { retainBytes: 67108864, checkpointBytes: 1048576 }\n",
        "t.yaml", BASE);
    assertEquals(1L << 20, c.log().checkpointBytes());
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(
        VALID + "log: { retainBytes: 67108864, checkpointBytes: 67108864 }\n", "t.yaml", BASE));
    assertTrue(e.getMessage().contains("log.checkpointBytes: 67108864 is more than half of log.retainBytes"),
        e.getMessage());
    assertTrue(e.getMessage().contains("set it to at most 33554432"), e.getMessage());
  }

  @Test
  void tlsIsOnByDefaultAndNamesItsFiles() {
    NodeConfig c = NodeConfigLoader.parse(VALID, "t.yaml", BASE);
    assertEquals(new TlsSettings(TlsSettings.Mode.ON, Path.of("/etc/paxosql/tls/ca.pem"),
        Path.of("/etc/paxosql/tls/node-2.pem"), Path.of("/etc/paxosql/tls/node-2.key")), c.tls());
    String none = VALID.replace("tls: { ca: tls/ca.pem, cert: tls/node-2.pem, key: tls/node-2.key }\n", "");
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(none, "t.yaml", BASE));
    assertTrue(e.getMessage().contains("tls.cert: required") && e.getMessage().contains("paxosql.jar certs")
        && e.getMessage().contains("tls.mode: off"), e.getMessage());
  }

  @Test
  void plaintextOnlyWhenAskedFor() {
    String off = VALID.replace("tls: { ca: tls/ca.pem, cert: tls/node-2.pem, key: tls/node-2.key }", "tls: { mode: off }");
    assertEquals(TlsSettings.OFF, NodeConfigLoader.parse(off, "t.yaml", BASE).tls());
    String bad = VALID.replace("tls: { ca:", "tls: { mode: maybe, ca:");
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(bad, "t.yaml", BASE));
    assertTrue(e.getMessage().contains("tls.mode: expected on or off"), e.getMessage());
  }

  @Test
  void theTlsEngineIsAutoUnlessNamed() {
    assertEquals("auto", NodeConfigLoader.parse(VALID, "t.yaml", BASE).tls().engine());
    String jdk = VALID.replace("tls: { ca:", "tls: { engine: jdk, ca:");
    assertEquals("jdk", NodeConfigLoader.parse(jdk, "t.yaml", BASE).tls().engine());
    String bad = VALID.replace("tls: { ca:", "tls: { engine: boring, ca:");
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(bad, "t.yaml", BASE));
    assertTrue(e.getMessage().contains("tls.engine: expected auto, openssl or jdk"), e.getMessage());
  }

  @Test
  void demoConfigsAreValidAndFollowThePortScheme() {
    // 4 and 5 are the spare members README adds to the running demo: they must load as they are.
    for (int i = 1; i <= 5; i++) {
      NodeConfig c = NodeConfigLoader.load(Path.of("conf/node" + i + ".yaml"));
      int base = 6400 + 10 * i;
      assertEquals(i, c.nodeId());
      assertEquals(List.of(base + 1, base + 2, base + 3, base + 4, base + 5, base + 7),
          List.of(c.ports().rw(), c.ports().ro(), c.ports().paxos(), c.ports().binlog(), c.ports().admin(),
              c.ports().internal()));
      assertEquals(base + 6, c.mariadb().port());
      assertEquals(c.ports().paxos(), c.self().paxos());
      assertEquals(c.ports().internal(), c.self().internal());
      assertTrue(c.dataDir().endsWith(Path.of("run/demo/node" + i)), c.dataDir().toString());
      assertTrue(c.tls().on() && c.tls().cert().endsWith(Path.of("run/demo/tls/node-" + i + ".pem")), c.tls().toString());
      assertEquals(Math.max(3, i), c.members().size(), "members of node " + i);
    }
  }

  @Test
  void everyProblemIsReportedWithItsKey() {
    String bad = VALID.replace("rw: 3306", "rw: 99999").replace("ro: 3307", "ro: 7000")
        .replace("nodeId: 2", "nodeId: 9").replace("mariadb: { port: 3316 }", "mariadb: { port: 3316, mode: cluster }")
        + "prxy: { maxConnections: 5 }\n";
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(bad, "t.yaml", BASE));
    String msg = e.getMessage();
    assertTrue(msg.contains("ports.rw: expected an integer from 1 to 65535, got 99999"), msg);
    assertTrue(msg.contains("ports.paxos: port 7000 is already used by ports.ro"), msg);
    assertTrue(msg.contains("nodeId: 9 is not in members"), msg);
    assertTrue(msg.contains("mariadb.mode: expected one of [managed, attach], got 'cluster'"), msg);
    assertTrue(msg.contains("prxy: unknown key"), msg);
    assertEquals(5, e.problems().size(), msg);
  }

  @Test
  void missingRequiredKeysAndWrongTypesAreNamed() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> NodeConfigLoader.parse("clusterId: Bad_Id\nnodeId: two\nports: 5\n", "t.yaml", BASE));
    String msg = e.getMessage();
    assertTrue(msg.contains("clusterId: expected lower-case letters"), msg);
    assertTrue(msg.contains("nodeId: expected an integer from 1 to 4095, got 'two'"), msg);
    assertTrue(msg.contains("ports: expected a section"), msg);
    assertTrue(msg.contains("dataDir: required"), msg);
    assertTrue(msg.contains("members: required list is missing"), msg);
  }

  @Test
  void attachModeIsRefusedWithItsReason() {
    String attach = VALID.replace("mariadb: { port: 3316 }",
        "mariadb: { mode: attach, host: db1, port: 3306, adminUser: admin, adminPassword: secret }");
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.parse(attach, "t.yaml", BASE));
    assertTrue(e.getMessage().contains("mariadb.mode: attach is not supported yet: fencing a master needs kill -9 "
        + "and a restart with --init-rpl-role=SLAVE"), e.getMessage());
    assertTrue(e.getMessage().contains("use mode: managed"), e.getMessage());
  }

  @Test
  void unreadableOrMalformedFilesSaySo() throws Exception {
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.load(Path.of("/nonexistent/x.yaml")));
    assertTrue(e.getMessage().contains("cannot read the file"), e.getMessage());
    Path tmp = Files.createTempFile("cfg", ".yaml");
    Files.writeString(tmp, "clusterId: [unclosed\n");
    e = assertThrows(ConfigException.class, () -> NodeConfigLoader.load(tmp));
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    Files.writeString(tmp, "- just\n- a list\n");
    e = assertThrows(ConfigException.class, () -> NodeConfigLoader.load(tmp));
    assertTrue(e.getMessage().contains("top level must be a section"), e.getMessage());
    Files.delete(tmp);
  }
}
