package io.paxosql.testing;

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

  private ClusterLayout(int size) {
    for (int i = 0; i < size; i++) {
      nodes.add(NodePorts.free());
    }
  }

  public static ClusterLayout onFreePorts(int size) {
    return new ClusterLayout(size);
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

  /** Node {@code id}'s config file, data dir relative to the file; {@code extra} is appended as more YAML. */
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
        + "mariadb: { port: " + p.mariadb() + " }\n"
        + "replication: { user: paxosql_repl, password: repl-secret-123 }\n"
        + extra;
  }
}
