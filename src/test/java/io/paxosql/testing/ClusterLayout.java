package io.paxosql.testing;

import io.paxosql.config.SecretNames;
import io.paxosql.node.secret.SecretFile;
import io.paxosql.tls.ClusterCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for an N-node test cluster and the node YAML that names them: one place for the
 * in-JVM harness (ClusterHarness) and the process harness (NodeProcesses), so both start the same cluster.
 */
public final class ClusterLayout {
  /** One node's ports, in the demo's k order: RW, RO, Paxos, binlog server, admin, MariaDB, internal hop. */
  public record NodePorts(int rw, int ro, int paxos, int binlog, int admin, int mariadb, int internal) {
    static NodePorts free() {
      return new NodePorts(FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(),
          FreePorts.next(), FreePorts.next(), FreePorts.next());
    }
  }

  private final List<NodePorts> nodes = new ArrayList<>();
  private final String adminToken = SecretFile.random(SecretFile.DEFAULT_BYTES);
  private final String rootPassword = SecretFile.random(SecretFile.DEFAULT_BYTES);
  private boolean plaintext;
  private String mariadbOptions = "";

  private ClusterLayout(int size) {
    for (int i = 0; i < size; i++) {
      nodes.add(NodePorts.free());
    }
  }

  public static ClusterLayout onFreePorts(int size) {
    return new ClusterLayout(size);
  }

  /** Configs with {@code tls: { mode: off }} instead of the default mutual TLS. */
  public ClusterLayout plaintext() {
    plaintext = true;
    return this;
  }

  /** Extra keys inside every node's {@code mariadb:} map, e.g. {@code "autoRebuild: false"}. */
  public ClusterLayout mariadbOptions(String options) {
    mariadbOptions = options.isBlank() ? "" : ", " + options;
    return this;
  }

  /**
   * Makes the cluster CA and every node's certificate under {@code configDir/tls}, where {@link #yaml}
   * points (BouncyCastle, as `certs` does); call before the configs are loaded.
   */
  public ClusterLayout writeCerts(Path configDir) {
    try {
      ClusterCertificates ca = ClusterCertificates.openOrCreate(configDir.resolve("tls"), "test", Duration.ofDays(2));
      for (int id = 1; id <= nodes.size(); id++) {
        ca.ensure(id, List.of("127.0.0.1", "localhost"), Duration.ofDays(2));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public int size() {
    return nodes.size();
  }

  /** Node {@code id}'s ports (ids start at 1). */
  public NodePorts ports(int id) {
    return nodes.get(id - 1);
  }

  /** Every member's Paxos address, as `admin init --members` takes them. */
  public List<String> paxosAddresses() {
    return nodes.stream().map(p -> "127.0.0.1:" + p.paxos()).toList();
  }

  /**
   * Node {@code id}'s config file, data dir and certificates ({@link #writeCerts}) relative to the file;
   * {@code extra} is appended as more YAML.
   */
  public String yaml(int id, String extra) {
    List<Integer> all = new ArrayList<>();
    for (int i = 1; i <= nodes.size(); i++) {
      all.add(i);
    }
    return yaml(id, extra, all);
  }

  /** As {@link #yaml(int, String)}, listing only the members {@code listed} (a joiner's or an outdated list). */
  public String yaml(int id, String extra, List<Integer> listed) {
    StringBuilder members = new StringBuilder();
    for (int i : listed) {
      NodePorts p = ports(i);
      members.append("  - { id: ").append(i).append(", host: 127.0.0.1, paxos: ").append(p.paxos())
          .append(", internal: ").append(p.internal()).append(", admin: ").append(p.admin()).append(" }\n");
    }
    NodePorts p = ports(id);
    return "clusterId: test\nnodeId: " + id + "\ndataDir: node" + id + "\n"
        + "ports: { rw: " + p.rw() + ", ro: " + p.ro() + ", paxos: " + p.paxos() + ", binlog: " + p.binlog()
        + ", admin: " + p.admin() + ", internal: " + p.internal() + " }\n"
        + "members:\n" + members
        + "mariadb: { port: " + p.mariadb() + mariadbOptions + " }\n"
        + "replication: { user: paxosql_repl }\n"
        + (plaintext ? "tls: { mode: off }\n"
            : "tls: { ca: tls/ca.pem, cert: tls/node-" + id + ".pem, key: tls/node-" + id + ".key }\n")
        + extra;
  }

  /** The admin token every node of this test cluster shares (see {@link #writeSharedSecrets}). */
  public String adminToken() {
    return adminToken;
  }

  /** The MariaDB root password every node of this test cluster shares. */
  public String rootPassword() {
    return rootPassword;
  }

  /**
   * Writes one admin token and one root password into every node's data dir under {@code dir} (where
   * {@link #yaml} puts them) before the nodes start. A node keeps secrets it finds, so the harness and
   * every member agree on them: one token for admin calls and init reaching every member, one root
   * password whichever node is master behind an RW port. Product nodes generate their own each.
   */
  public void writeSharedSecrets(Path dir) {
    for (int id = 1; id <= nodes.size(); id++) {
      Path dataDir = dir.resolve("node" + id);
      SecretFile.write(SecretNames.adminToken(dataDir), adminToken);
      SecretFile.write(SecretNames.rootPassword(dataDir), rootPassword);
    }
  }
}
