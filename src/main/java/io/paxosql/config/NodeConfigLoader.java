package io.paxosql.config;

import io.paxosql.config.NodeConfig.MariaDb;
import io.paxosql.config.NodeConfig.MariaDbMode;
import io.paxosql.config.NodeConfig.Member;
import io.paxosql.config.NodeConfig.Paxos;
import io.paxosql.config.NodeConfig.Ports;
import io.paxosql.config.NodeConfig.Proxy;
import io.paxosql.config.NodeConfig.ReadConsistency;
import io.paxosql.config.NodeConfig.Replication;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads and validates a node's YAML config. Every problem is reported at once, each with its key path
 * and the expected value, so an operator fixes a file in one pass.
 */
public final class NodeConfigLoader {
  private static final Pattern CLUSTER_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\-\\[\\]]{1,253}");
  private static final Pattern HOST_OR_EMPTY = Pattern.compile("|[A-Za-z0-9.:\\-\\[\\]]{1,253}");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9_]{1,32}");
  private static final Pattern LOG_LEVEL = Pattern.compile("TRACE|DEBUG|INFO|WARN|ERROR");

  private NodeConfigLoader() {}

  public static NodeConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot read the file: " + e.getMessage()));
    }
    return parse(text, file.toString(), file.toAbsolutePath().getParent());
  }

  /** Parses YAML text; relative paths in it are resolved against {@code baseDir}. */
  public static NodeConfig parse(String yaml, String source, Path baseDir) {
    Object tree;
    try {
      tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (YAMLException e) {
      throw new ConfigException(source, List.of("not valid YAML: " + e.getMessage()));
    }
    if (tree != null && !(tree instanceof Map)) {
      throw new ConfigException(source, List.of("the top level must be a section of key: value lines"));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) tree;
    return fromTree(map, source, baseDir);
  }

  /** Validates a parsed tree: the one path for a file read at start and at every reload. */
  private static NodeConfig fromTree(Map<String, Object> tree, String source, Path baseDir) {
    ConfigReader r = ConfigReader.root(tree);
    String clusterId = r.string("clusterId", null, CLUSTER_ID,
        "lower-case letters, digits and dashes, at most 63 characters");
    Long nodeIdValue = r.integer("nodeId", null, 1, 4095);
    int nodeId = nodeIdValue == null ? 0 : nodeIdValue.intValue();
    String dataDirText = r.string("dataDir", null);
    Path dataDir = dataDirText == null ? null : baseDir.resolve(dataDirText).normalize();
    String logLevel = r.string("logLevel", "INFO", LOG_LEVEL, "one of TRACE, DEBUG, INFO, WARN, ERROR");

    ConfigReader p = r.section("ports", true);
    Ports ports = new Ports(p.port("rw", null), p.port("ro", null), p.port("paxos", null),
        p.port("binlog", null), p.port("admin", null), p.port("internal", null));

    List<Member> members = readMembers(r);

    ConfigReader m = r.section("mariadb", true);
    MariaDbMode mode = m.enumValue("mode", MariaDbMode.MANAGED, MariaDbMode.class);
    boolean attach = mode == MariaDbMode.ATTACH;
    MariaDb mariadb = new MariaDb(mode,
        attach ? m.string("host", null, HOST, "a host name or IP address") : "127.0.0.1",
        m.port("port", null),
        m.string("adminUser", attach ? null : "root", USER, "a MariaDB user name"),
        m.string("adminPassword", attach ? null : ""));
    TransactionLimits limits = new TransactionLimits(m.integer("maxTransactionBytes", TransactionLimits.DEFAULT,
        TransactionLimits.MIN, TransactionLimits.MAX));
    RebuildConfig rebuild = RebuildConfig.read(m);

    ConfigReader rep = r.section("replication", false);
    Replication replication = new Replication(
        rep.string("user", "paxosql_repl", USER, "a MariaDB user name (letters, digits, _; at most 32)"));
    if (rep.has("password")) {
      rep.problem("password", "remove it: a password in a config file is readable by whoever reads the file; "
          + "each node now generates its own in dataDir/" + SecretNames.REPLICATION_PASSWORD + " (mode 0600)");
    }

    AdminConfig admin = readAdmin(r.section("admin", false));

    ConfigReader px = r.section("proxy", false);
    Proxy proxy = new Proxy(
        px.integer("maxConnections", 1000L, 1, 100_000).intValue(),
        px.integer("connectTimeoutMs", 2000L, 10, 600_000),
        px.integer("idleTimeoutSeconds", 28_800L, 1, 31_536_000),
        px.enumValue("roConsistency", ReadConsistency.LOCAL, ReadConsistency.class),
        px.integer("roMaxLagMs", 1000L, 0, 3_600_000));

    ConfigReader pa = r.section("paxos", false);
    Paxos paxos = new Paxos(
        pa.integer("tickMs", 50L, 1, 10_000),
        pa.integer("electionTicks", 6L, 2, 100_000),
        pa.integer("leaseTicks", 30L, 2, 100_000),
        pa.integer("driftMarginTicks", 6L, 0, 100_000));

    LogSettings logSettings = LogSettings.read(r);
    TlsSettings tls = readTls(r, baseDir);

    List<String> problems = new ArrayList<>(r.problems());
    if (attach) {
      problems.add("mariadb.mode: attach is not supported yet: fencing a master needs kill -9 and a restart with "
          + "--init-rpl-role=SLAVE, which only a server paxosql runs itself allows; use mode: managed");
    }
    checkPorts(ports, mariadb, problems);
    if (nodeId != 0 && !members.isEmpty() && members.stream().noneMatch(x -> x.id() == nodeId)) {
      problems.add("nodeId: " + nodeId + " is not in members; add this node to the member list");
    }
    if (paxos.leaseTicks() <= paxos.driftMarginTicks()) {
      problems.add("paxos.leaseTicks: must exceed paxos.driftMarginTicks (" + paxos.driftMarginTicks() + ")");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(source, problems);
    }
    return new NodeConfig(clusterId, nodeId, dataDir, ports, members, mariadb, replication, proxy, paxos, logLevel,
        logSettings, admin, limits, tls, rebuild);
  }

  private static AdminConfig readAdmin(ConfigReader a) {
    AdminConfig d = AdminConfig.DEFAULTS;
    return new AdminConfig(
        a.string("bind", "", HOST_OR_EMPTY, "an IP address or host name to listen on").transform(
            b -> b.isEmpty() ? d.bind() : b),
        a.bool("protectReads", d.protectReads()),
        a.integer("maxConnections", (long) d.maxConnections(), 1, 10_000).intValue(),
        a.integer("idleTimeoutSeconds", d.idleTimeoutSeconds(), 1, 86_400));
  }

  /**
   * The tls section: on unless {@code mode: off}; on, the three PEM files must be named (they are opened
   * when the node starts, which names a missing one). YAML 1.1 reads a bare on/off as a boolean, so
   * true/false are taken as on/off too.
   */
  private static TlsSettings readTls(ConfigReader r, Path baseDir) {
    ConfigReader t = r.section("tls", false);
    String mode = t.string("mode", "on", Pattern.compile("on|off|true|false"), "on or off");
    String engine = t.string("engine", TlsSettings.ENGINE_AUTO, Pattern.compile("auto|openssl|jdk"),
        "auto, openssl or jdk (the TLS implementation of the member links)");
    if (mode.equals("off") || mode.equals("false")) {
      for (String key : new String[] {"ca", "cert", "key"}) {
        t.string(key, "");
      }
      return TlsSettings.OFF;
    }
    String hint = "a PEM file; make them with `java -jar paxosql.jar certs --out DIR --nodes 1,2,3 --hosts ...`"
        + " (the demo makes run/demo/tls), or set tls.mode: off for plaintext on a trusted network";
    Path[] files = new Path[3];
    String[] keys = {"ca", "cert", "key"};
    for (int i = 0; i < 3; i++) {
      String v = t.string(keys[i], null, null, hint);
      if (v != null) {
        files[i] = baseDir.resolve(v).normalize();
      }
    }
    return new TlsSettings(TlsSettings.Mode.ON, files[0], files[1], files[2], engine);
  }

  private static List<Member> readMembers(ConfigReader r) {
    List<Member> members = new ArrayList<>();
    Set<Integer> ids = new HashSet<>();
    List<ConfigReader> items = r.sectionList("members");
    for (int i = 0; i < items.size(); i++) {
      ConfigReader item = items.get(i);
      Long id = item.integer("id", null, 1, 4095);
      Member member = new Member(id == null ? 0 : id.intValue(),
          item.string("host", null, HOST, "a host name or IP address"),
          item.port("paxos", null), item.port("internal", null), item.port("admin", null));
      if (id != null && !ids.add(member.id())) {
        item.problem("id", "member id " + member.id() + " appears twice");
      }
      members.add(member);
    }
    if (items.isEmpty() && r.has("members")) {
      r.problem("members", "list is empty; list every member, this node included");
    }
    return members;
  }

  private static void checkPorts(Ports ports, MariaDb mariadb, List<String> problems) {
    Map<Integer, String> used = new HashMap<>();
    String[][] named = {
        {"ports.rw", Integer.toString(ports.rw())}, {"ports.ro", Integer.toString(ports.ro())},
        {"ports.paxos", Integer.toString(ports.paxos())}, {"ports.binlog", Integer.toString(ports.binlog())},
        {"ports.admin", Integer.toString(ports.admin())}, {"ports.internal", Integer.toString(ports.internal())}};
    for (String[] n : named) {
      int port = Integer.parseInt(n[1]);
      if (port == 0) {
        continue;
      }
      String earlier = used.putIfAbsent(port, n[0]);
      if (earlier != null) {
        problems.add(n[0] + ": port " + port + " is already used by " + earlier + "; give each port its own number");
      }
    }
    if (mariadb.mode() == MariaDbMode.MANAGED && mariadb.port() != 0 && used.containsKey(mariadb.port())) {
      problems.add("mariadb.port: port " + mariadb.port() + " is already used by " + used.get(mariadb.port()));
    }
  }
}
